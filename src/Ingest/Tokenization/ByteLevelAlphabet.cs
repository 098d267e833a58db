namespace TokenClean.Ingest.Tokenization;

/// <summary>
/// GPT-2's byte-to-character table ("bytes_to_unicode"): byte-level vocabularies spell every byte as one printable
/// character, so a token string is turned back into bytes with <see cref="CharToByte"/>.
/// </summary>
internal static class ByteLevelAlphabet
{
    /// <summary>The character that spells each byte.</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>The byte each alphabet character spells, or -1; indexed by char up to U+0143.</summary>
    public static readonly short[] CharToByte = BuildCharToByte();

    public static int ByteOf(char c) => c < CharToByte.Length ? CharToByte[c] : -1;

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var n = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)(256 + n++);
        }

        return map;
    }

    private static short[] BuildCharToByte()
    {
        var map = new short[0x144];
        System.Array.Fill(map, (short)-1);
        var byteToChar = BuildByteToChar();
        for (var b = 0; b < 256; b++)
        {
            map[byteToChar[b]] = (short)b;
        }

        return map;
    }
}
