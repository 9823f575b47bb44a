using Google.Protobuf;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.FineTuning.Jobs;
using RagPlatform.FineTuning.Storage;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.FineTuning.Registry;

/// <summary>
/// The registry as files: <c>registry/&lt;tenant&gt;/&lt;model name&gt;.json</c>, each a
/// <see cref="Model"/> in protobuf JSON, written once and atomically. The folder is the contract
/// with readers that share the volume (the Embedding service serves adapters from it).
/// </summary>
public sealed class FileModelRegistry(IJobStore jobs, IOptions<FineTuningOptions> options, IHostEnvironment environment) : IModelRegistry
{
    public const string Folder = "registry";
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));
    private readonly string root = Path.Combine(Path.GetFullPath(options.Value.DataDirectory, environment.ContentRootPath), Folder);
    private readonly SemaphoreSlim gate = new(1, 1);

    public async Task<Model> RegisterAsync(JobClaim claim, Model model, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await jobs.EnsureCurrentAsync(claim, cancellationToken);
            var path = PathOf(claim.Tenant, model.Name);
            if (Read(path) is { } existing)
                return existing.JobId == claim.JobId ? existing
                    : throw new AlreadyExistsException($"model '{model.Name}' is already registered by job {existing.JobId}");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AtomicFile.Write(path, System.Text.Encoding.UTF8.GetBytes(Formatter.Format(model)));
            return model;
        }
        finally { gate.Release(); }
    }

    public Task<Model?> GetAsync(string tenant, string name, CancellationToken cancellationToken) =>
        Task.FromResult(ModelNames.IsWellFormed(name) ? Read(PathOf(tenant, name)) : null);

    public Task<IReadOnlyList<Model>> ListAsync(string tenant, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(root, tenant);
        IReadOnlyList<Model> models = !Directory.Exists(directory) ? []
            : Directory.EnumerateFiles(directory, "*.json").Select(Read).OfType<Model>()
                .OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
        return Task.FromResult(models);
    }

    private string PathOf(string tenant, string name) => Path.Combine(root, tenant, name + ".json");

    private static Model? Read(string path) => File.Exists(path) ? Model.Parser.ParseJson(File.ReadAllText(path)) : null;
}
