using System.ComponentModel.DataAnnotations;

namespace RagPlatform.QueryRouter;

/// <summary>Configuration section "QueryRouter".</summary>
public sealed class QueryRouterOptions
{
    public const string Section = "QueryRouter";

    /// <summary>The source that documents go to when they name none.</summary>
    [Required]
    public string DefaultSource { get; set; } = "default";

    /// <summary>Passages handed to the answering model.</summary>
    [Range(1, 100)]
    public int TopK { get; set; } = 5;

    /// <summary>Candidates taken from each of the dense and sparse lists before fusion.</summary>
    [Range(1, 1000)]
    public int CandidateLimit { get; set; } = 100;

    /// <summary>
    /// Default hybrid fusion: weight of the dense list in a blend of min-max-normalised scores
    /// (the one fusion that lifted hybrid above keyword search with a weak encoder).
    /// </summary>
    [Range(0.0, 1.0)]
    public float DenseWeight { get; set; } = 0.3f;

    [Range(1, 100_000)]
    public int MaxQuestionCharacters { get; set; } = 2_048;

    /// <summary>Largest document accepted, in bytes.</summary>
    [Range(1, 32 * 1024 * 1024)]
    public int MaxDocumentBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Most words in one chunk; the embedding model's own token limit caps it further. 0 makes each
    /// document one chunk, which the model may truncate: for evaluations that embed whole documents.
    /// </summary>
    [Range(0, 4096)]
    public int ChunkWords { get; set; } = 160;

    /// <summary>Sentences repeated from the end of one chunk at the start of the next.</summary>
    [Range(0, 8)]
    public int ChunkOverlapSentences { get; set; } = 1;

    /// <summary>Most chunks one document may make; a longer one is refused (split it), so each is written in one upsert.</summary>
    [Range(1, 10_000)]
    public int MaxChunksPerDocument { get; set; } = 2_000;

    /// <summary>
    /// Documents of one Ingest stream worked on at once (in order for any one document id), so that
    /// one document's round trips overlap another's model time and Embed calls can be merged.
    /// </summary>
    [Range(1, 64)]
    public int IngestConcurrency { get; set; } = 4;

    /// <summary>Texts per Embed call at ingest: chunks, or sentences, of several documents of a stream together.</summary>
    [Range(1, 1024)]
    public int EmbedBatchSize { get; set; } = 256;

    /// <summary>
    /// How long a write waits for a reindex to finish switching its source to the new collection
    /// before it answers UNAVAILABLE (the switch copies only what changed during the reindex).
    /// </summary>
    public TimeSpan SourceSwitchWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the router keeps its own state (sources, without Redis); relative paths are under the content root.</summary>
    [Required]
    public string DataDirectory { get; set; } = ".data/router";

    /// <summary>How questions are routed to sources.</summary>
    public Routing.RoutingOptions Routing { get; set; } = new();

    /// <summary>Rank constant of the reciprocal rank fusion that merges sources' lists (their scores do not compare).</summary>
    [Range(1, 1000)]
    public int CrossSourceRrfK { get; set; } = 60;

    /// <summary>Word-shingle overlap (Jaccard) above which two retrieved chunks count as the same text.</summary>
    [Range(0.5, 1.0)]
    public double NearDuplicateSimilarity { get; set; } = 0.9;

    /// <summary>Estimated tokens of passages handed to the answering model, unless its model has its own budget below.</summary>
    [Range(64, 1_000_000)]
    public int PassageTokenBudget { get; set; } = 2_000;

    /// <summary>Passage token budgets per answering model name, for models with smaller or larger contexts.</summary>
    public Dictionary<string, int> ModelTokenBudgets { get; set; } = [];

    /// <summary>
    /// The policy AUTO decides strategies by (JSON); relative paths are under the content root. Empty
    /// uses the shipped default, Answering/Policy/default-strategy-policy.json.
    /// </summary>
    public string? StrategyPolicyFile { get; set; }

    /// <summary>How long the list of registered fine-tuned chat models (read from Generation) is kept.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ModelRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);
}
