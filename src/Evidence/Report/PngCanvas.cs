using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace TokenClean.Evidence.Report;

/// <summary>
/// A small RGB raster with lines, rectangles and 5×7 bitmap text, saved as PNG (zlib through System.IO.Compression).
/// The project's own renderer: no native graphics library or font file is needed on the machine (docs/EVIDENCE.md).
/// </summary>
public sealed class PngCanvas
{
    private static readonly uint[] CrcTable = MakeCrcTable();
    private readonly byte[] _rgb;

    public PngCanvas(int width, int height, (byte R, byte G, byte B) background)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        Width = width;
        Height = height;
        _rgb = new byte[width * height * 3];
        FillRect(0, 0, width, height, background);
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>The colour at (x, y).</summary>
    public (byte R, byte G, byte B) this[int x, int y] => (_rgb[((y * Width) + x) * 3], _rgb[(((y * Width) + x) * 3) + 1], _rgb[(((y * Width) + x) * 3) + 2]);

    public void SetPixel(int x, int y, (byte R, byte G, byte B) c)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
        {
            return;
        }

        var i = ((y * Width) + x) * 3;
        _rgb[i] = c.R;
        _rgb[i + 1] = c.G;
        _rgb[i + 2] = c.B;
    }

    public void FillRect(int x, int y, int w, int h, (byte R, byte G, byte B) c)
    {
        for (var yy = y; yy < y + h; yy++)
        {
            for (var xx = x; xx < x + w; xx++)
            {
                SetPixel(xx, yy, c);
            }
        }
    }

    /// <summary>A line <paramref name="thickness"/> pixels wide (Bresenham, a square brush); dashed when <paramref name="dash"/> &gt; 0.</summary>
    public void Line(int x0, int y0, int x1, int y1, (byte R, byte G, byte B) c, int thickness = 1, int dash = 0)
    {
        int dx = Math.Abs(x1 - x0), sx = x0 < x1 ? 1 : -1, dy = -Math.Abs(y1 - y0), sy = y0 < y1 ? 1 : -1, err = dx + dy, step = 0;
        var half = thickness / 2;
        while (true)
        {
            if (dash == 0 || (step / dash) % 2 == 0)
            {
                FillRect(x0 - half, y0 - half, thickness, thickness, c);
            }

            step++;
            if (x0 == x1 && y0 == y1)
            {
                break;
            }

            var e2 = 2 * err;
            if (e2 >= dy)
            {
                err += dy;
                x0 += sx;
            }

            if (e2 <= dx)
            {
                err += dx;
                y0 += sy;
            }
        }
    }

    /// <summary>Draws <paramref name="text"/> (upper-cased; unknown characters as blanks) with its top-left at (x, y), each font pixel <paramref name="scale"/>² pixels.</summary>
    public void Text(int x, int y, string text, (byte R, byte G, byte B) c, int scale = 2)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var ch in text.ToUpperInvariant())
        {
            var rows = BitmapFont.Glyph(ch);
            for (var r = 0; r < rows.Length; r++)
            {
                for (var b = 0; b < 5; b++)
                {
                    if ((rows[r] & (0x10 >> b)) != 0)
                    {
                        FillRect(x + (b * scale), y + (r * scale), scale, scale, c);
                    }
                }
            }

            x += 6 * scale;
        }
    }

    /// <summary>Width in pixels of <paramref name="text"/> at <paramref name="scale"/>.</summary>
    public static int TextWidth(string text, int scale = 2) => (text?.Length ?? 0) * 6 * scale;

    /// <summary>Writes the image as an 8-bit RGB PNG (filter type 0 on every row).</summary>
    public void Save(string path)
    {
        using var file = File.Create(path);
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), Height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: RGB
        Chunk(file, "IHDR", header);
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (var y = 0; y < Height; y++)
            {
                z.WriteByte(0);
                z.Write(_rgb, y * Width * 3, Width * 3);
            }
        }

        Chunk(file, "IDAT", raw.ToArray());
        Chunk(file, "IEND", []);
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(four, data.Length);
        s.Write(four);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        var crc = Crc(Crc(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(four, crc);
        s.Write(four);
    }

    private static uint Crc(uint crc, byte[] data)
    {
        foreach (var b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] MakeCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
