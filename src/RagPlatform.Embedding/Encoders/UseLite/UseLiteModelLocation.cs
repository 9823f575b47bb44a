namespace RagPlatform.Embedding.Encoders.UseLite;

/// <summary>
/// Where the USE-lite files live: the folder deploy/models/fetch-use-lite.sh fills, laid out as
/// <c>dist/</c> (the package's TF.js graph, shards and vocabulary) plus the compact weight file the
/// encoder writes beside it on first load.
/// </summary>
public sealed record UseLiteModelLocation(string Directory)
{
    public const string PackageVersion = "0.2.0";

    public string DistDirectory => Path.Combine(Directory, "dist");
    public string GraphFile => Path.Combine(DistDirectory, "model.json");
    public string VocabularyFile => Path.Combine(DistDirectory, "vocab.json");
    public string CompactWeightsFile => Path.Combine(Directory, "use-lite.weights");

    /// <summary>The vocabulary and either the compact weights or the graph to convert them from.</summary>
    public bool IsPresent => File.Exists(VocabularyFile) && (File.Exists(CompactWeightsFile) || File.Exists(GraphFile));

    /// <summary>The configured folder, else the fetch script's default.</summary>
    public static UseLiteModelLocation Resolve(string? configured) =>
        new(string.IsNullOrWhiteSpace(configured) ? DefaultDirectory() : Path.GetFullPath(configured));

    /// <summary><c>${RAGPLATFORM_MODELS:-$HOME/.cache/ragplatform/models}/use-lite-0.2.0</c>, as the fetch script.</summary>
    public static string DefaultDirectory()
    {
        var root = Environment.GetEnvironmentVariable("RAGPLATFORM_MODELS");
        if (string.IsNullOrEmpty(root))
        {
            var home = Environment.GetEnvironmentVariable("HOME");
            if (string.IsNullOrEmpty(home)) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            root = Path.Combine(home, ".cache", "ragplatform", "models");
        }
        return Path.Combine(root, "use-lite-" + PackageVersion);
    }

    public override string ToString() => Directory;
}
