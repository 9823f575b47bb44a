namespace RagPlatform.Launcher;

/// <summary>How to run the topology locally.</summary>
public sealed record LaunchOptions
{
    /// <summary>The repository whose built services to run (found from the program's location by default).</summary>
    public string? RepositoryRoot { get; init; }
    /// <summary>Build configuration whose output to run; null picks the most recently built one.</summary>
    public string? Configuration { get; init; }
    /// <summary>Where logs, Redis data and service data go; a new temporary folder by default.</summary>
    public string? WorkDirectory { get; init; }
    /// <summary>Replicas for every service, overriding the topology's (e.g. 1 for tests).</summary>
    public int? Replicas { get; init; }
    /// <summary>An OTLP endpoint for every service (OTEL_EXPORTER_OTLP_ENDPOINT).</summary>
    public string? OtlpEndpoint { get; init; }
    /// <summary>Extra environment for every service.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(90);
}
