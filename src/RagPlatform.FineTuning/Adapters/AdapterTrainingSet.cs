namespace RagPlatform.FineTuning.Adapters;

/// <summary>
/// Pairs as vectors: base-model query vectors, a pool of distinct document vectors, and for each
/// pair its positive's index, its hard negatives' indices and every positive of its query (which
/// must never count as a negative for it).
/// </summary>
public sealed class AdapterTrainingSet
{
    public required float[][] Queries { get; init; }
    public required int[] Positive { get; init; }
    public required int[][] Negatives { get; init; }
    /// <summary>Per pair, all documents any pair with the same query calls positive.</summary>
    public required IReadOnlySet<int>[] PositivesOfQuery { get; init; }
    public int Count => Queries.Length;
}

/// <summary>Validation queries (one per distinct query) with their relevant documents, ranked against the whole pool.</summary>
public sealed class AdapterValidationSet
{
    public required float[][] Queries { get; init; }
    public required IReadOnlySet<int>[] Relevant { get; init; }
}
