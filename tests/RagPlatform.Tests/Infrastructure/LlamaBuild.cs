using System.Security.Cryptography;
using System.Text;

namespace RagPlatform.Tests.Infrastructure;

/// <summary>
/// The llama.cpp binaries and random-weight GGUF that deploy/llama/build-llama.sh cached: found in
/// $RAGPLATFORM_LLAMA_DIR, or by the same cache key the script derives from llama-build.env.
/// Missing means the tests fail (never skip) with the command that fixes it.
/// </summary>
public sealed class LlamaBuild
{
    public const string DirectoryVariable = "RAGPLATFORM_LLAMA_DIR";
    private const string BuildScript = "deploy/llama/build-llama.sh";
    private const string Settings = "deploy/llama/llama-build.env";
    private const string ModelFile = "random-llama.gguf";

    private static readonly Lazy<LlamaBuild> Located = new(Find);

    private LlamaBuild(string directory) => Directory = directory;

    /// <summary>The build's folder: bin/, models/ and the COMPLETE marker.</summary>
    public string Directory { get; }
    public string BinDirectory => Path.Combine(Directory, "bin");
    /// <summary>A tiny llama-architecture model with random weights: real GGUF, meaningless text.</summary>
    public string ModelPath => Path.Combine(Directory, "models", ModelFile);

    public static LlamaBuild Locate() => Located.Value;

    /// <summary>A built tool, e.g. llama-server, llama-finetune, llama-perplexity.</summary>
    public string Tool(string name)
    {
        var path = Path.Combine(BinDirectory, name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{name} is not in {BinDirectory}; run {BuildScript}", path);
    }

    private static LlamaBuild Find()
    {
        if (Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } given)
            return IsComplete(given) ? new LlamaBuild(given)
                : throw new InvalidOperationException($"{DirectoryVariable}={given} holds no complete llama.cpp build (bin/, models/{ModelFile}, COMPLETE); run {BuildScript}");

        var candidates = CacheRoots().Select(root => Path.Combine(root, "llama.cpp", CacheKey())).ToList();
        return candidates.FirstOrDefault(IsComplete) is { } found
            ? new LlamaBuild(found)
            : throw new InvalidOperationException(
                $"llama.cpp is not built: run {BuildScript} (about 7 minutes the first time). Looked in {string.Join(" and ", candidates)}");
    }

    private static bool IsComplete(string directory) =>
        File.Exists(Path.Combine(directory, "COMPLETE")) && File.Exists(Path.Combine(directory, "models", ModelFile));

    /// <summary>As the script: $RAGPLATFORM_CACHE or /var/cache/ragplatform, then ~/.cache/ragplatform.</summary>
    private static IEnumerable<string> CacheRoots()
    {
        yield return Environment.GetEnvironmentVariable("RAGPLATFORM_CACHE") is { Length: > 0 } cache ? cache : "/var/cache/ragplatform";
        var home = Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h : "/root";
        yield return Path.Combine(home, ".cache", "ragplatform");
    }

    /// <summary>node-llama-cpp-VERSION-HASH, HASH being the first 12 hex of sha256("FLAGS|TARGETS"), as the script computes it.</summary>
    private static string CacheKey()
    {
        var settings = ReadSettings(Path.Combine(RepositoryRoot(), Settings));
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{settings["LLAMA_CMAKE_FLAGS"]}|{settings["LLAMA_TARGETS"]}"));
        return $"node-llama-cpp-{settings["NODE_LLAMA_CPP_VERSION"]}-{Convert.ToHexStringLower(hash)[..12]}";
    }

    /// <summary>KEY=VALUE lines, values optionally in double quotes; comments and blank lines skipped.</summary>
    private static Dictionary<string, string> ReadSettings(string path)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            int equals = line.IndexOf('=');
            if (line.Length == 0 || line.StartsWith('#') || equals <= 0)
                continue;
            var value = line[(equals + 1)..];
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
                value = value[1..^1];
            settings[line[..equals]] = value;
        }
        return settings;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, Settings)))
                return directory.FullName;
        throw new InvalidOperationException($"{Settings} not found above {AppContext.BaseDirectory}; set {DirectoryVariable} to the build folder");
    }
}
