using System.CommandLine;
using RagPlatform.Launcher;
using Spectre.Console;

namespace RagPlatform.Cli.Commands;

/// <summary>rag launch: the distributed topology as local processes (no Aspire or Docker needed).</summary>
public static class LaunchCommand
{
    public static Command Create()
    {
        var replicas = new Option<int?>("--replicas") { Description = "Replicas of every service, overriding deploy/topology.json." };
        var otlp = new Option<string?>("--otlp") { Description = "OTLP endpoint to send traces, metrics and logs to (e.g. an Aspire dashboard)." };
        var command = new Command("launch", "Start redis-server and the five services as separate processes, as the AppHost would.") { replicas, otlp };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var launcher = await LocalLauncher.StartAsync(new LaunchOptions
            {
                Replicas = parse.GetValue(replicas),
                OtlpEndpoint = parse.GetValue(otlp),
            }, cancellationToken);
            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumns("service", "replicas");
            foreach (var (name, addresses) in launcher.Addresses)
                table.AddRow(name, string.Join(" ", addresses));
            if (launcher.Redis is { } redis) table.AddRow("redis", redis.ConnectionString);
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"Logs in {Markup.Escape(launcher.WorkDirectory)}. Ask with: rag ask --endpoint {launcher.Addresses["queryrouter"][0]} \"...\"  (Ctrl+C stops everything)");
            try { await Task.Delay(Timeout.Infinite, cancellationToken); }
            catch (OperationCanceledException) { }
            return 0;
        });
        return command;
    }
}
