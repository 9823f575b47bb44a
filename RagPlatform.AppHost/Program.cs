using RagPlatform.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

// The AppHost project sits at the repository root, beside deploy/ and src/.
var repoRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
var topology = TopologyFile.Load(repoRoot);

builder.AddTopology(topology, repoRoot);

builder.Build().Run();
