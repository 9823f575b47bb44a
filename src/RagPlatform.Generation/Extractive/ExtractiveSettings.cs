namespace RagPlatform.Generation.Extractive;

/// <summary>How the extractive answerer weighs and shapes its answer (Generation:Extractive).</summary>
public sealed class ExtractiveSettings
{
    /// <summary>Share of a sentence's score that comes from its vector's cosine with the question (the rest is lexical).</summary>
    public double EmbeddingWeight { get; set; } = 0.5;

    /// <summary>Answer a question that asks for a date, number or name with that short span, the sentence holding it cited as support.</summary>
    public bool ShortAnswers { get; set; } = true;

    /// <summary>At most this many sentences are quoted.</summary>
    public int MaxSentences { get; set; } = 3;

    /// <summary>A further sentence is added only if the question terms it newly covers weigh at least this share of the first sentence's.</summary>
    public double MinimumGainRatio { get; set; } = 0.35;
}
