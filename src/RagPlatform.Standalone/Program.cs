namespace RagPlatform.Standalone;

public static class Program
{
    public static async Task Main(string[] args)
    {
        await using var app = StandaloneHost.Build(args);
        var address = await StandaloneHost.StartAsync(app);
        app.Logger.LogInformation("RagPlatform standalone host serving all five services at {Address}", address);
        await app.WaitForShutdownAsync();
    }
}
