using System.CommandLine;
using Microsoft.Extensions.Hosting;
using RagPlatform.Standalone;

namespace RagPlatform.Cli.Commands;

/// <summary>rag serve: the standalone host (all five services, embedded defaults) until Ctrl+C.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Address to serve gRPC (HTTP/2) on.", DefaultValueFactory = _ => StandaloneHost.DefaultUrl };
        var command = new Command("serve", "Run all five services in this process on their embedded defaults.") { urls };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var app = StandaloneHost.Build(["--urls", parse.GetValue(urls)!]);
            var address = await StandaloneHost.StartAsync(app, cancellationToken);
            Console.WriteLine($"RagPlatform is serving at {address} (Ctrl+C to stop)");
            await app.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }
}
