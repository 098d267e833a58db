// Why one file of ~410 lines: Unicode normalization (decompose, reorder by combining class, compose, Hangul, the
// quick-check) is one algorithm from UAX #15 whose steps share the tables built at the top.
namespace TokenClean.Ingest.Tokenization.Unicode;

/// <summary>
/// NFC, NFD, NFKC and NFKD over UTF-8, from <see cref="NormalizationData"/>. Needed because the service runs with
/// InvariantGlobalization, where <c>string.Normalize</c> does nothing.
/// </summary>
internal static class UnicodeNormalizer
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly byte[] BmpCcc = BuildBmpCcc();
    private static readonly ulong[] NfcUnstableBmp = BuildBits(NormalizationData.NfcUnstableRanges);
    private static readonly ulong[] NfkcUnstableBmp = BuildBits(NormalizationData.NfkcUnstableRanges);

    [ThreadStatic]
    private static int[]? t_cps;

    /// <summary>Normalizes <paramref name="src"/> into <paramref name="dst"/>; false (dst to be ignored) when unchanged.</summary>
    public static bool Normalize(ReadOnlySpan<byte> src, ByteBuffer dst, bool compose, bool compat)
    {
        // Code points below U+0300 (UTF-8 bytes all < 0xCC) are stable under NFC; under the other forms only ASCII
        // is (NFD decomposes À, NFKC/NFKD map U+00A0, ², ª...).
        if (src.IndexOfAnyInRange(compose && !compat ? (byte)0xCC : (byte)0x80, (byte)0xFF) < 0)
        {
            return false;
        }

        dst.Clear();
        if (!compose)
        {
            AppendNormalized(src, dst, compose, compat);
            return !dst.Span.SequenceEqual(src);
        }

        return ComposeByRegions(src, dst, compat);
    }

    /// <summary>
    /// NFC/NFKC touching only what needs it: the text splits at every code point with a composition boundary before
    /// it (quick-check Yes and combining class 0, as ICU's hasCompBoundaryBefore), and only a region between two
    /// boundaries that holds a quick-check No/Maybe code point or misordered marks is normalized.
    /// </summary>
    private static bool ComposeByRegions(ReadOnlySpan<byte> src, ByteBuffer dst, bool compat)
    {
        var bits = compat ? NfkcUnstableBmp : NfcUnstableBmp;
        var ranges = compat ? NormalizationData.NfkcUnstableRanges : NormalizationData.NfcUnstableRanges;
        var copied = 0;
        var changed = false;
        var lastBoundary = 0;
        var i = 0;
        while (i < src.Length)
        {
            if (src[i] < 0x80)
            {
                lastBoundary = i++;
                continue;
            }

            var cp = CharClass.Decode(src, i, out var len);
            var unstable = IsUnstable(cp, bits, ranges);
            var ccc = Ccc(cp);
            if (!unstable && ccc == 0)
            {
                lastBoundary = i;
                i += len;
                continue;
            }

            // A region from the last boundary to the next one; does it need work?
            var needs = unstable;
            var lastCcc = ccc;
            var j = i + len;
            while (j < src.Length)
            {
                var next = CharClass.Decode(src, j, out var nextLen);
                var nextUnstable = IsUnstable(next, bits, ranges);
                var nextCcc = Ccc(next);
                if (!nextUnstable && nextCcc == 0)
                {
                    break;
                }

                needs |= nextUnstable || (nextCcc != 0 && lastCcc > nextCcc);
                lastCcc = nextCcc;
                j += nextLen;
            }

            if (needs)
            {
                var mark = dst.Length;
                dst.Append(src[copied..lastBoundary]);
                var start = dst.Length;
                AppendNormalized(src[lastBoundary..j], dst, compose: true, compat);
                if (dst.Span[start..].SequenceEqual(src[lastBoundary..j]))
                {
                    dst.SetLength(mark); // already normal: keep copying lazily
                }
                else
                {
                    copied = j;
                    changed = true;
                }
            }

            lastBoundary = j;
            i = j;
        }

        if (changed)
        {
            dst.Append(src[copied..]);
        }

        return changed;
    }

    private static bool IsUnstable(int cp, ulong[] bits, ReadOnlySpan<int> ranges) =>
        cp < 0x10000 ? (bits[cp >> 6] & (1UL << (cp & 63))) != 0 : InRanges(ranges, cp);

    private static void AppendNormalized(ReadOnlySpan<byte> src, ByteBuffer dst, bool compose, bool compat)
    {
        var cps = t_cps ??= new int[256];
        var n = 0;
        for (var i = 0; i < src.Length;)
        {
            var cp = CharClass.Decode(src, i, out var len);
            i += len;
            Decompose(cp, compat, ref cps, ref n);
        }

        Reorder(cps.AsSpan(0, n), []);
        if (compose)
        {
            n = Compose(cps.AsSpan(0, n), []);
        }

        t_cps = cps;
        for (var i = 0; i < n; i++)
        {
            dst.AppendRune(cps[i]);
        }
    }

    /// <summary>
    /// Normalizes the whole text (no region shortcut) and writes one (start, end) alignment pair per output byte,
    /// as HF's <c>NormalizedString::transform</c> assigns them from the changes of the unicode-normalization-alignments
    /// crate: a decomposition's first code point has change 0 and the others +1, canonical reordering moves changes
    /// with their code points, a composition's change is the sum of its parts' minus one. Walking the output, a
    /// change ≤ 0 takes the alignment of the next unconsumed source character and consumes 1 − change of them; a
    /// change of +1 takes the alignment of the last consumed one.
    /// </summary>
    public static void NormalizeAligned(ReadOnlySpan<byte> src, ReadOnlySpan<int> srcAlign, ByteBuffer dst, IntList dstAlign, bool compose, bool compat)
    {
        var sources = new List<(int Start, int End)>(src.Length);
        var cps = new int[Math.Max(16, (src.Length * 4) + 18)];
        var changes = new List<int>(cps.Length);
        var n = 0;
        for (var i = 0; i < src.Length;)
        {
            var cp = CharClass.Decode(src, i, out var len);
            sources.Add((srcAlign[2 * i], srcAlign[(2 * i) + 1]));
            var first = n;
            Decompose(cp, compat, ref cps, ref n);
            for (var k = first; k < n; k++)
            {
                changes.Add(k == first ? 0 : 1);
            }

            i += len;
        }

        var tags = changes.ToArray();
        Reorder(cps.AsSpan(0, n), tags);
        if (compose)
        {
            n = Compose(cps.AsSpan(0, n), tags);
        }

        var consumed = 0;
        for (var j = 0; j < n; j++)
        {
            var change = tags[j];
            (int Start, int End) align;
            if (change > 0)
            {
                align = consumed == 0 ? (0, 0) : sources[Math.Min(consumed, sources.Count) - 1];
            }
            else
            {
                align = sources[Math.Min(consumed, sources.Count - 1)];
                consumed += 1 - change;
            }

            var before = dst.Length;
            dst.AppendRune(cps[j]);
            for (var b = before; b < dst.Length; b++)
            {
                dstAlign.Add(align.Start, align.End);
            }
        }
    }

    /// <summary>Normalizes a string (used once per added token at load time).</summary>
    public static string Normalize(string s, bool compose, bool compat)
    {
        var src = System.Text.Encoding.UTF8.GetBytes(s);
        var dst = new ByteBuffer(src.Length * 2 + 8);
        return Normalize(src, dst, compose, compat) ? System.Text.Encoding.UTF8.GetString(dst.Span) : s;
    }

    private static bool InRanges(ReadOnlySpan<int> ranges, int cp)
    {
        int lo = 0, hi = (ranges.Length / 2) - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (cp < ranges[2 * mid])
            {
                hi = mid - 1;
            }
            else if (cp > ranges[(2 * mid) + 1])
            {
                lo = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }

    private static void Decompose(int cp, bool compat, ref int[] cps, ref int n)
    {
        if (n + 18 > cps.Length)
        {
            Array.Resize(ref cps, cps.Length * 2);
        }

        if (cp >= SBase && cp < SBase + SCount)
        {
            var s = cp - SBase;
            cps[n++] = LBase + (s / NCount);
            cps[n++] = VBase + (s % NCount / TCount);
            var t = s % TCount;
            if (t != 0)
            {
                cps[n++] = TBase + t;
            }

            return;
        }

        var keys = compat ? NormalizationData.CompatKeys : NormalizationData.CanonicalKeys;
        var k = keys.BinarySearch(cp);
        if (k < 0)
        {
            cps[n++] = cp;
            return;
        }

        var offsets = compat ? NormalizationData.CompatOffsets : NormalizationData.CanonicalOffsets;
        var data = compat ? NormalizationData.CompatData : NormalizationData.CanonicalData;
        for (var j = offsets[k]; j < offsets[k + 1]; j++)
        {
            cps[n++] = data[j];
        }
    }

    private static int Ccc(int cp)
    {
        if (cp < 0x10000)
        {
            return BmpCcc[cp];
        }

        var k = NormalizationData.CccKeys.BinarySearch(cp);
        return k < 0 ? 0 : NormalizationData.CccValues[k];
    }

    /// <summary>
    /// Canonical ordering: a stable sort by combining class within each run of non-starters. <paramref name="tags"/>
    /// is empty, or holds one alignment tag per code point that moves with it (NormalizeAligned).
    /// </summary>
    private static void Reorder(Span<int> cps, Span<int> tags)
    {
        var tagged = !tags.IsEmpty;
        for (var i = 1; i < cps.Length; i++)
        {
            var c = Ccc(cps[i]);
            if (c == 0)
            {
                continue;
            }

            var j = i;
            var cp = cps[i];
            var tag = tagged ? tags[i] : 0;
            while (j > 0 && Ccc(cps[j - 1]) > c)
            {
                cps[j] = cps[j - 1];
                if (tagged)
                {
                    tags[j] = tags[j - 1];
                }

                j--;
            }

            cps[j] = cp;
            if (tagged)
            {
                tags[j] = tag;
            }
        }
    }

    /// <summary>
    /// Canonical composition in place; returns the new length. With <paramref name="tags"/> (one per code point, or
    /// empty), a composite's tag adds the consumed code point's tag − 1 (one more source character consumed).
    /// </summary>
    private static int Compose(Span<int> cps, Span<int> tags)
    {
        if (cps.Length == 0)
        {
            return 0;
        }

        var tagged = !tags.IsEmpty;
        var starterPos = 0;
        var starter = cps[0];
        var lastClass = Ccc(starter) == 0 ? 0 : 256;
        var w = 1;
        for (var r = 1; r < cps.Length; r++)
        {
            var ch = cps[r];
            var chClass = Ccc(ch);
            var composite = ComposePair(starter, ch);
            if (composite >= 0 && (lastClass < chClass || lastClass == 0))
            {
                cps[starterPos] = composite;
                if (tagged)
                {
                    tags[starterPos] += tags[r] - 1;
                }

                starter = composite;
                continue;
            }

            if (chClass == 0)
            {
                starterPos = w;
                starter = ch;
            }

            lastClass = chClass;
            cps[w] = ch;
            if (tagged)
            {
                tags[w] = tags[r];
            }

            w++;
        }

        return w;
    }

    private static int ComposePair(int a, int b)
    {
        if (a >= LBase && a < LBase + LCount && b >= VBase && b < VBase + VCount)
        {
            return SBase + ((((a - LBase) * VCount) + (b - VBase)) * TCount);
        }

        if (a >= SBase && a < SBase + SCount && (a - SBase) % TCount == 0 && b > TBase && b < TBase + TCount)
        {
            return a + (b - TBase);
        }

        var k = NormalizationData.CompositionKeys.BinarySearch(((long)a << 21) | (uint)b);
        return k < 0 ? -1 : NormalizationData.CompositionValues[k];
    }

    private static byte[] BuildBmpCcc()
    {
        var table = new byte[0x10000];
        var keys = NormalizationData.CccKeys;
        var values = NormalizationData.CccValues;
        for (var i = 0; i < keys.Length && keys[i] < 0x10000; i++)
        {
            table[keys[i]] = (byte)values[i];
        }

        return table;
    }

    private static ulong[] BuildBits(ReadOnlySpan<int> ranges)
    {
        var bits = new ulong[0x10000 / 64];
        for (var r = 0; r < ranges.Length; r += 2)
        {
            for (var cp = ranges[r]; cp <= ranges[r + 1] && cp < 0x10000; cp++)
            {
                bits[cp >> 6] |= 1UL << (cp & 63);
            }
        }

        return bits;
    }
}
