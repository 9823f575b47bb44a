namespace RagPlatform.VectorSearch.Engine.Storage;

/// <summary>A file that only grows, as a log does.</summary>
public interface IAppendFile : IDisposable
{
    long Length { get; }
    void Append(ReadOnlySpan<byte> bytes);
    /// <summary>Pushes buffered bytes to the OS; with <paramref name="durable"/>, to the disk (fsync).</summary>
    void Flush(bool durable);
}

/// <summary>
/// The file operations the engine's storage needs. The disk implementation is the real one; tests
/// substitute one that forgets every write not yet made durable, to play a power cut.
/// </summary>
public interface IStorage
{
    void CreateDirectory(string path);
    bool Exists(string path);
    IEnumerable<string> List(string directory, string pattern);
    byte[] ReadAll(string path);
    IAppendFile OpenAppend(string path);
    void Truncate(string path, long length);
    /// <summary>Writes a whole file so that readers see the old content or the new, never a mix.</summary>
    void WriteAtomically(string path, ReadOnlySpan<byte> content);
    void Delete(string path);
    void DeleteDirectory(string path);
}
