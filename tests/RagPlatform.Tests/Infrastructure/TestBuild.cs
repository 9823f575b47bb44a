namespace RagPlatform.Tests.Infrastructure;

public static class TestBuild
{
    /// <summary>The configuration these tests were built in (bin/&lt;Configuration&gt;/net10.0): run services built the same way.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
}
