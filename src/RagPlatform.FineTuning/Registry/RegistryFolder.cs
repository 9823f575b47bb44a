using Google.Protobuf;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.FineTuning.Storage;

namespace RagPlatform.FineTuning.Registry;

/// <summary>
/// The registry as files: <c>registry/&lt;tenant&gt;/&lt;model name&gt;.json</c>, each a <see cref="Model"/>
/// in protobuf JSON, written atomically. The folder is the contract with readers that share the
/// volume (the Embedding service serves adapters from it).
/// </summary>
public sealed class RegistryFolder(IOptions<FineTuningOptions> options, IHostEnvironment environment)
{
    public const string Folder = "registry";
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));
    private readonly string root = Path.Combine(Path.GetFullPath(options.Value.DataDirectory, environment.ContentRootPath), Folder);

    public Model? Read(string tenant, string name) => ModelNames.IsWellFormed(name) ? Read(PathOf(tenant, name)) : null;

    public void Write(string tenant, Model model)
    {
        var path = PathOf(tenant, model.Name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, System.Text.Encoding.UTF8.GetBytes(Formatter.Format(model)));
    }

    public IReadOnlyList<Model> List(string tenant)
    {
        var directory = Path.Combine(root, tenant);
        return !Directory.Exists(directory) ? []
            : Directory.EnumerateFiles(directory, "*.json").Select(Read).OfType<Model>().OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
    }

    private string PathOf(string tenant, string name) => Path.Combine(root, tenant, name + ".json");

    private static Model? Read(string path) => File.Exists(path) ? Model.Parser.ParseJson(File.ReadAllText(path)) : null;
}
