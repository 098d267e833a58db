using TokenClean.Core.Rejections;
using TokenClean.Ingest.Samples;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// The parse + tokenize step: one consumed record in, one <see cref="TokenizedRecord"/> out. Never throws: a record
/// the encoder cannot take becomes a rejection with its reason code.
/// </summary>
internal static class Tokenize
{
    public static TokenizedRecord Record(SampleEncoder encoder, ConsumedRecord record)
    {
        try
        {
            if (record.Value is null)
            {
                return new TokenizedRecord(record, null, null, new SampleRejection(RejectionReason.EmptyMessage, "the record has no value (a tombstone)"));
            }

            var result = encoder.Process(record.Value);
            if (!result.IsSuccess)
            {
                return new TokenizedRecord(record, null, null, result.Rejection);
            }

            var s = result.Value;
            return new TokenizedRecord(record, s.Id, s, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // SampleEncoder promises not to throw for any bytes; if it does, the record still must not stop the stream.
            return new TokenizedRecord(record, null, null, new SampleRejection(RejectionReason.InternalError, "tokenization failed: " + e.Message));
        }
    }
}
