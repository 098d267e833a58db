using System.Diagnostics.CodeAnalysis;
using TokenClean.Core.Rejections;

namespace TokenClean.Ingest.Samples;

/// <summary>Either a value or a <see cref="SampleRejection"/>; bad input is a value, not an exception.</summary>
/// <typeparam name="T">The successful result.</typeparam>
public readonly struct SampleResult<T>
    where T : class
{
    private SampleResult(T? value, SampleRejection? rejection)
    {
        Value = value;
        Rejection = rejection;
    }

    /// <summary>The result when <see cref="IsSuccess"/>.</summary>
    public T? Value { get; }

    /// <summary>Why the sample was rejected, when not <see cref="IsSuccess"/>.</summary>
    public SampleRejection? Rejection { get; }

    /// <summary>True when <see cref="Value"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Rejection))]
    public bool IsSuccess => Value is not null;

    public static SampleResult<T> Success(T value) => new(value ?? throw new ArgumentNullException(nameof(value)), null);

    public static SampleResult<T> Reject(RejectionReason reason, string message) => new(null, new SampleRejection(reason, message));

    public static SampleResult<T> Reject(SampleRejection rejection) => new(null, rejection ?? throw new ArgumentNullException(nameof(rejection)));
}
