using RagPlatform.VectorSearch.Engine.Storage;

namespace RagPlatform.Tests.Infrastructure;

/// <summary>
/// In-memory storage that remembers which bytes reached the disk. <see cref="CutPower"/> forgets
/// every write not yet fsynced, except a random prefix of the last unsynced bytes of each file (a
/// write the disk had half done), which is how a missing fsync or a torn record shows itself.
/// </summary>
public sealed class PowerCutStorage(int seed) : IStorage
{
    private sealed class FileState
    {
        public List<byte> Durable = [];
        public List<byte> Pending = [];
        public IEnumerable<byte> Visible => Durable.Concat(Pending);
    }

    private readonly Dictionary<string, FileState> files = new(StringComparer.Ordinal);
    private readonly HashSet<string> directories = new(StringComparer.Ordinal);
    private readonly Random random = new(seed);
    private readonly Lock gate = new();
    private int syncsUntilCut = int.MaxValue;

    /// <summary>Cut the power during the n-th durable write from now (that write never completes).</summary>
    public void CutPowerAtSync(int n) => syncsUntilCut = n;

    /// <summary>Every unsynced write is lost, except that each file may keep a random part of its unsynced tail.</summary>
    public void CutPower(bool keepTorn = true)
    {
        lock (gate)
        {
            foreach (var file in files.Values)
            {
                int survives = keepTorn && file.Pending.Count > 0 && random.Next(2) == 0 ? random.Next(file.Pending.Count + 1) : 0;
                file.Durable.AddRange(file.Pending.Take(survives));
                file.Pending.Clear();
            }
            syncsUntilCut = int.MaxValue;
        }
    }

    /// <summary>Counts a durable write; at the chosen one, the power goes instead.</summary>
    private void Sync()
    {
        if (--syncsUntilCut > 0) return;
        CutPower();
        throw new IOException("power cut");
    }

    public void CreateDirectory(string path) { lock (gate) directories.Add(path); }

    public bool Exists(string path) { lock (gate) return files.ContainsKey(path) || directories.Contains(path); }

    public IEnumerable<string> List(string directory, string pattern)
    {
        var regex = new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*") + "$");
        lock (gate)
            return files.Keys.Concat(directories)
                .Where(p => Path.GetDirectoryName(p) == directory && regex.IsMatch(Path.GetFileName(p)))
                .Distinct().Order(StringComparer.Ordinal).ToList();
    }

    public byte[] ReadAll(string path) { lock (gate) return files[path].Visible.ToArray(); }

    public IAppendFile OpenAppend(string path)
    {
        lock (gate)
        {
            if (!files.ContainsKey(path)) files[path] = new FileState();
            return new AppendFile(this, path);
        }
    }

    public void Truncate(string path, long length)
    {
        lock (gate)
        {
            var all = files[path].Visible.Take((int)length).ToList();
            files[path] = new FileState { Durable = all };
        }
    }

    public void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        var bytes = content.ToArray();
        Sync();
        lock (gate) files[path] = new FileState { Durable = [.. bytes] };
    }

    public void Delete(string path) { lock (gate) files.Remove(path); }

    public void DeleteDirectory(string path)
    {
        lock (gate)
        {
            foreach (var file in files.Keys.Where(f => f.StartsWith(path + "/", StringComparison.Ordinal)).ToList()) files.Remove(file);
            directories.RemoveWhere(d => d == path || d.StartsWith(path + "/", StringComparison.Ordinal));
        }
    }

    /// <summary>Flips one byte of a file, as bit rot would.</summary>
    public void Corrupt(string path, int offset)
    {
        lock (gate)
        {
            var file = files[path];
            var all = file.Visible.ToList();
            all[offset] ^= 0x5A;
            files[path] = new FileState { Durable = all };
        }
    }

    public long LengthOf(string path) { lock (gate) return files[path].Visible.Count(); }

    private sealed class AppendFile(PowerCutStorage storage, string path) : IAppendFile
    {
        public long Length { get { lock (storage.gate) return storage.files[path].Visible.Count(); } }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            var copy = bytes.ToArray();
            lock (storage.gate) storage.files[path].Pending.AddRange(copy);
        }

        public void Flush(bool durable)
        {
            if (!durable) return; // in the OS's cache only: a power cut loses it
            storage.Sync();
            lock (storage.gate)
            {
                var file = storage.files[path];
                file.Durable.AddRange(file.Pending);
                file.Pending.Clear();
            }
        }

        public void Dispose() { }
    }
}
