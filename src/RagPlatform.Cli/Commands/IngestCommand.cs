using System.CommandLine;
using RagPlatform.Cli.Client;
using RagPlatform.Contracts.Query.V1;
using Spectre.Console;

namespace RagPlatform.Cli.Commands;

/// <summary>rag ingest PATH...: files and folders into a source, with a progress bar and a summary.</summary>
public static class IngestCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = "Files or folders (searched recursively).", Arity = ArgumentArity.OneOrMore };
        var endpoint = CommonOptions.Endpoint("The platform to ingest into (the router's address).");
        endpoint.DefaultValueFactory = _ => Standalone.StandaloneHost.DefaultUrl;
        var source = CommonOptions.Source();
        var tenant = CommonOptions.Tenant();
        var command = new Command("ingest", "Ingest documents (text, Markdown) into a source.") { paths, endpoint, source, tenant };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var files = DocumentFiles.Find(parse.GetValue(paths)!);
            await using var target = PlatformTarget.Connect(parse.GetValue(endpoint)!, parse.GetValue(tenant));
            var baseDirectory = Directory.GetCurrentDirectory();
            IngestResponse? response = null;
            await AnsiConsole.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask("Ingesting", maxValue: files.Count);
                response = await Ingestor.IngestAsync(target,
                    files.Select(f => DocumentFiles.ToRequest(f, baseDirectory, parse.GetValue(source))),
                    _ => task.Increment(1), cancellationToken);
            });
            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumns("document", "status", "chunks", "reason");
            foreach (var result in response!.Results)
                table.AddRow(Markup.Escape(result.DocumentId), result.Status.ToString(), result.Chunks.ToString(), Markup.Escape(result.Error?.Message ?? ""));
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"{response.Indexed} indexed, {response.Unchanged} unchanged, {response.Failed} failed");
            return response.Failed == 0 ? 0 : 1;
        });
        return command;
    }
}
