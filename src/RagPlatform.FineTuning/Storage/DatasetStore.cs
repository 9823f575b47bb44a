using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.ServiceDefaults.Tenancy;

namespace RagPlatform.FineTuning.Storage;

/// <summary>
/// Datasets on disk, per tenant: the JSONL file and its description side by side, named by the
/// content address. Both are written to a temporary name, flushed, then renamed, so a crash never
/// leaves a half-written dataset under its final name.
/// </summary>
public sealed class DatasetStore
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));
    private readonly string root;

    public DatasetStore(IOptions<FineTuningOptions> options, IHostEnvironment environment)
    {
        root = Path.GetFullPath(options.Value.DataDirectory, environment.ContentRootPath);
    }

    private string TenantDirectory()
    {
        var directory = Path.Combine(root, "tenants", TenantContext.Require(), "datasets");
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>A fresh file name for spooling an upload in the tenant's directory.</summary>
    public string NewSpoolPath() => Path.Combine(TenantDirectory(), $".upload-{Guid.NewGuid():N}.tmp");

    /// <summary>Keeps the spooled file as the dataset, unless the same content is already stored.</summary>
    public Dataset Save(Dataset dataset, string spoolPath)
    {
        var directory = TenantDirectory();
        var existing = Find(dataset.Id);
        if (existing is not null)
        {
            File.Delete(spoolPath);
            return existing;
        }
        File.Move(spoolPath, Path.Combine(directory, dataset.Id + ".jsonl"), overwrite: true);
        var metaTemp = Path.Combine(directory, $".{dataset.Id}.{Guid.NewGuid():N}.tmp");
        using (var stream = new FileStream(metaTemp, FileMode.CreateNew, FileAccess.Write))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(Formatter.Format(dataset));
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(metaTemp, Path.Combine(directory, dataset.Id + ".json"), overwrite: true);
        return dataset;
    }

    public Dataset? Find(string id)
    {
        if (!IsWellFormedId(id)) return null;
        var path = Path.Combine(TenantDirectory(), id + ".json");
        return File.Exists(path) ? Dataset.Parser.ParseJson(File.ReadAllText(path)) : null;
    }

    /// <summary>All datasets, newest first.</summary>
    public IReadOnlyList<Dataset> List() =>
        Directory.EnumerateFiles(TenantDirectory(), "ds-*.json")
            .Select(path => Dataset.Parser.ParseJson(File.ReadAllText(path)))
            .OrderByDescending(d => d.CreatedAt.ToDateTime()).ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToList();

    /// <summary>The stored JSONL file of a dataset (which must exist).</summary>
    public string FilePath(string id) => Path.Combine(TenantDirectory(), id + ".jsonl");

    public bool Delete(string id)
    {
        if (!IsWellFormedId(id)) return false;
        var directory = TenantDirectory();
        var meta = Path.Combine(directory, id + ".json");
        if (!File.Exists(meta)) return false;
        File.Delete(meta);
        File.Delete(Path.Combine(directory, id + ".jsonl"));
        return true;
    }

    public static bool IsWellFormedId(string id) =>
        id.Length == 27 && id.StartsWith("ds-", StringComparison.Ordinal) && id[3..].All(char.IsAsciiHexDigitLower);
}
