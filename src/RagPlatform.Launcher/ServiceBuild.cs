namespace RagPlatform.Launcher;

public static class ServiceBuild
{
    /// <summary>
    /// A service project's built assembly: in the requested configuration, or the most recent of
    /// Release and Debug when none is asked for.
    /// </summary>
    public static string Locate(string repositoryRoot, string project, string? configuration)
    {
        var projectDirectory = Path.GetDirectoryName(Path.Combine(repositoryRoot, project))!;
        var name = Path.GetFileNameWithoutExtension(project) + ".dll";
        var candidates = (configuration is null ? ["Release", "Debug"] : new[] { configuration })
            .Select(c => Path.Combine(projectDirectory, "bin", c, "net10.0", name))
            .Where(File.Exists)
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .ToList();
        return candidates.FirstOrDefault()
            ?? throw new FileNotFoundException($"{name} is not built: nothing under {projectDirectory}/bin; run dotnet build first");
    }
}
