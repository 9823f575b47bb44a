using RagPlatform.Cli.Client;
using RagPlatform.Launcher;

namespace RagPlatform.Cli.Measurement;

/// <summary>
/// The deployments a benchmark runs against: the standalone host in this process, the local
/// distributed launch (separate processes, real Redis), or a given endpoint.
/// </summary>
public static class BenchTargets
{
    /// <param name="VectorSearch">Where VectorSearch answers, when not at the router's address.</param>
    /// <param name="Redis">The Redis the deployment uses, when the benchmark started it (and so may stop it).</param>
    public sealed record Target(string Name, PlatformTarget Router, PlatformTarget Embedding, IAsyncDisposable? Owner,
        Uri? VectorSearch = null, RedisServer? Redis = null);

    public static async IAsyncEnumerable<Target> OpenAsync(string which, string? endpoint)
    {
        if (endpoint is not null)
        {
            var remote = PlatformTarget.Connect(endpoint);
            yield return new Target($"endpoint {endpoint}", remote, remote, remote);
            yield break;
        }
        if (which is "standalone" or "both")
        {
            var local = await PlatformTarget.StartInProcessAsync();
            yield return new Target("standalone", local, local, local);
        }
        if (which is "distributed" or "both")
        {
            var launcher = await LocalLauncher.StartAsync(new LaunchOptions { Replicas = 1 });
            var router = PlatformTarget.Connect(launcher.Addresses["queryrouter"][0].ToString());
            var embedding = PlatformTarget.Connect(launcher.Addresses["embedding"][0].ToString());
            yield return new Target("distributed", router, embedding, new Owners(router, embedding, launcher),
                launcher.Addresses["vectorsearch"][0], launcher.Redis);
        }
    }

    private sealed class Owners(params IAsyncDisposable[] owned) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var o in owned) await o.DisposeAsync();
        }
    }
}
