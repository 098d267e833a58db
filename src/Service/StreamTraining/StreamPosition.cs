namespace TokenClean.Service.StreamTraining;

/// <summary>
/// How far one stream of cleaned rows has been consumed: every unit (lake file of one source, or Kafka message of one
/// output partition) that starts below <paramref name="Offset"/> is used entirely, and the unit that starts exactly at
/// <paramref name="Offset"/> has its first <paramref name="Rows"/> rows used.
/// </summary>
/// <param name="Offset">Lake: the first source offset of the file being read (the previous file's last offset + 1 once
/// a file is done). Kafka: the offset of the output-topic message being read.</param>
/// <param name="Rows">Rows of that unit already used (0 = none).</param>
public readonly record struct StreamPosition(long Offset, int Rows) : IComparable<StreamPosition>
{
    public int CompareTo(StreamPosition other) => Offset != other.Offset ? Offset.CompareTo(other.Offset) : Rows.CompareTo(other.Rows);
}
