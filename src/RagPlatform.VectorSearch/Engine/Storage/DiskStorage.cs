namespace RagPlatform.VectorSearch.Engine.Storage;

/// <summary>Storage on the local file system, fsync where durability is asked for.</summary>
public sealed class DiskStorage : IStorage
{
    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    public bool Exists(string path) => File.Exists(path) || Directory.Exists(path);

    public IEnumerable<string> List(string directory, string pattern) =>
        Directory.Exists(directory) ? Directory.EnumerateFileSystemEntries(directory, pattern).Order(StringComparer.Ordinal) : [];

    public byte[] ReadAll(string path) => File.ReadAllBytes(path);

    public IAppendFile OpenAppend(string path) => new DiskAppendFile(path);

    public void Truncate(string path, long length)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.SetLength(length);
        stream.Flush(flushToDisk: true);
    }

    public void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    public void Delete(string path) => File.Delete(path);

    public void DeleteDirectory(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
    }

    /// <summary>Makes a rename durable: on Linux a directory entry is only on disk once its directory is synced.</summary>
    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux()) return;
        int fd = Posix.open(directory, Posix.ReadOnlyDirectory);
        if (fd < 0) return;
        Posix.fsync(fd);
        Posix.close(fd);
    }

    private static class Posix
    {
        public const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int open([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, int flags);

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int fsync(int fd);

        [System.Runtime.InteropServices.DllImport("libc")]
        public static extern int close(int fd);
    }

    private sealed class DiskAppendFile(string path) : IAppendFile
    {
        private readonly FileStream stream = new(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16);

        public long Length => stream.Length;
        public void Append(ReadOnlySpan<byte> bytes) => stream.Write(bytes);
        public void Flush(bool durable) => stream.Flush(flushToDisk: durable);
        public void Dispose() => stream.Dispose();
    }
}
