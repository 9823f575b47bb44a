using Google.Protobuf;
using RagPlatform.Contracts.Query.V1;

namespace RagPlatform.Cli.Client;

/// <summary>Files to ingest: each path is a file or a folder searched recursively.</summary>
public static class DocumentFiles
{
    private static readonly HashSet<string> Extensions = [".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"];

    public static List<FileInfo> Find(IEnumerable<string> paths)
    {
        var files = new List<FileInfo>();
        foreach (var path in paths)
        {
            if (File.Exists(path)) files.Add(new FileInfo(path));
            else if (Directory.Exists(path))
                files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                    .Order(StringComparer.Ordinal)
                    .Select(f => new FileInfo(f)));
            else throw new FileNotFoundException($"no such file or folder: {path}");
        }
        return files;
    }

    /// <summary>The request for one file; its document id is its path relative to <paramref name="baseDirectory"/>.</summary>
    public static IngestRequest ToRequest(FileInfo file, string baseDirectory, string? source) => new()
    {
        Source = source ?? "",
        DocumentId = Path.GetRelativePath(baseDirectory, file.FullName).Replace('\\', '/'),
        FileName = file.Name,
        Title = Path.GetFileNameWithoutExtension(file.Name),
        Content = ByteString.CopyFrom(File.ReadAllBytes(file.FullName)),
    };
}
