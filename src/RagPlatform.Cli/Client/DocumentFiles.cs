using Google.Protobuf;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.QueryRouter.Ingestion;
using RagPlatform.ServiceDefaults;

namespace RagPlatform.Cli.Client;

/// <summary>What a scan of paths found: files the router reads, and files it does not (reported, not sent).</summary>
public sealed record DocumentScan(List<FileInfo> Documents, List<(FileInfo File, string Reason)> Skipped);

/// <summary>Files to ingest: each path is a file or a folder searched recursively.</summary>
public static class DocumentFiles
{
    /// <summary>Leaves room in one gRPC message for the request's other fields.</summary>
    public const long MaxFileBytes = ServiceDefaultsExtensions.MaxMessageBytes - (64 << 10);

    public static bool IsSupported(string path) => DocumentParser.ContentTypeOf(path) is not null;

    /// <summary>The supported files under the paths, in a stable order.</summary>
    public static List<FileInfo> Find(IEnumerable<string> paths) => Scan(paths).Documents;

    /// <summary>Every file under the paths, split into those to send and those skipped with a reason.</summary>
    public static DocumentScan Scan(IEnumerable<string> paths)
    {
        var scan = new DocumentScan([], []);
        foreach (var path in paths)
        {
            IEnumerable<FileInfo> files = File.Exists(path) ? [new FileInfo(path)]
                : Directory.Exists(path) ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Order(StringComparer.Ordinal).Select(f => new FileInfo(f))
                : throw new FileNotFoundException($"no such file or folder: {path}");
            foreach (var file in files)
            {
                if (!IsSupported(file.Name))
                    scan.Skipped.Add((file, $"unsupported file type '{(file.Extension.Length > 0 ? file.Extension : file.Name)}'"));
                else if (file.Length > MaxFileBytes)
                    scan.Skipped.Add((file, $"{file.Length} bytes is more than one request may carry ({MaxFileBytes})"));
                else
                    scan.Documents.Add(file);
            }
        }
        return scan;
    }

    /// <summary>The request for one file; its document id is its path relative to <paramref name="baseDirectory"/>.</summary>
    public static IngestRequest ToRequest(FileInfo file, string baseDirectory, string? source) => new()
    {
        Source = source ?? "",
        DocumentId = DocumentId(file, baseDirectory),
        FileName = file.Name,
        Title = Path.GetFileNameWithoutExtension(file.Name),
        Content = ByteString.CopyFrom(File.ReadAllBytes(file.FullName)),
    };

    public static string DocumentId(FileInfo file, string baseDirectory) =>
        Path.GetRelativePath(baseDirectory, file.FullName).Replace('\\', '/');
}
