namespace RagPlatform.Launcher;

public static class RepositoryRoot
{
    /// <summary>The nearest directory at or above <paramref name="start"/> that holds RagPlatform.sln.</summary>
    public static string Find(string? start = null)
    {
        for (var directory = new DirectoryInfo(start ?? AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "RagPlatform.sln")))
                return directory.FullName;
        for (var directory = new DirectoryInfo(Directory.GetCurrentDirectory()); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "RagPlatform.sln")))
                return directory.FullName;
        throw new DirectoryNotFoundException("RagPlatform.sln was not found above the program or the current directory");
    }
}
