namespace TokenClean.Sink.Arrow;

/// <summary>The Arrow logical types this writer can encode. Adding one: a member here, a case in
/// <see cref="ArrowType"/>'s factory, one in <c>ArrowMetadataEncoder.WriteType</c>, and a column class.</summary>
public enum ArrowTypeKind
{
    Int32,
    Int64,
    Float32,
    Utf8,
    Timestamp,
    List,
}
