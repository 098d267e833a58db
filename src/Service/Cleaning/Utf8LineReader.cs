namespace TokenClean.Service.Cleaning;

/// <summary>
/// Reads a stream line by line as raw bytes (so invalid UTF-8 can be detected and dead-lettered instead of being
/// silently replaced). Lines end at '\n'; a trailing '\r' and a leading UTF-8 BOM are dropped. The returned span is
/// valid until the next call.
/// </summary>
internal sealed class Utf8LineReader
{
    private readonly Stream _stream;
    private byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;
    private bool _eof;
    private bool _first = true;

    public Utf8LineReader(Stream stream) => _stream = stream;

    /// <summary>Bytes consumed so far (for progress).</summary>
    public long Position { get; private set; }

    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        var scanFrom = _start;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', scanFrom, _end - scanFrom);
            if (newline >= 0)
            {
                line = Finish(_start, newline - _start, newline + 1);
                return true;
            }

            if (_eof)
            {
                if (_start == _end)
                {
                    line = default;
                    return false;
                }

                line = Finish(_start, _end - _start, _end);
                return true;
            }

            scanFrom = _end - _start;
            Fill();
        }
    }

    private ReadOnlySpan<byte> Finish(int start, int length, int next)
    {
        Position += next - _start;
        _start = next;
        var span = _buffer.AsSpan(start, length);
        if (span.Length > 0 && span[^1] == (byte)'\r')
        {
            span = span[..^1];
        }

        if (_first)
        {
            _first = false;
            if (span.StartsWith("\uFEFF"u8))
            {
                span = span[3..];
            }
        }

        return span;
    }

    private void Fill()
    {
        // Move the unfinished line to the front; grow when one line fills the whole buffer.
        var pending = _end - _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
        }
        else if (pending == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        _start = 0;
        _end = pending;
        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }
}
