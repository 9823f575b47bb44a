using System.CommandLine;
using RagPlatform.Cli.Client;
using RagPlatform.Contracts.Query.V1;
using Spectre.Console;

namespace RagPlatform.Cli.Commands;

/// <summary>
/// rag ingest PATH...: files and folders of mixed formats streamed into a source, with a progress
/// bar and a summary (indexed, unchanged, failed with reasons; files of other types reported).
/// </summary>
public static class IngestCommand
{
    /// <summary>Up to this many documents the summary lists every one; beyond it, only those not indexed.</summary>
    private const int ListEveryDocumentUpTo = 50;

    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = "Files or folders (searched recursively).", Arity = ArgumentArity.OneOrMore };
        var endpoint = CommonOptions.Endpoint("The platform to ingest into (the router's address).");
        endpoint.DefaultValueFactory = _ => Standalone.StandaloneHost.DefaultUrl;
        var source = CommonOptions.Source();
        var tenant = CommonOptions.Tenant();
        var command = new Command("ingest", "Ingest documents (text, Markdown, HTML, PDF, DOCX) into a source.") { paths, endpoint, source, tenant };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var scan = DocumentFiles.Scan(parse.GetValue(paths)!);
            await using var target = PlatformTarget.Connect(parse.GetValue(endpoint)!, parse.GetValue(tenant));
            var baseDirectory = Directory.GetCurrentDirectory();
            IngestResponse response = new();
            if (scan.Documents.Count > 0)
            {
                await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .StartAsync(async progress =>
                    {
                        var task = progress.AddTask($"Ingesting {scan.Documents.Count} files", maxValue: scan.Documents.Count);
                        response = await Ingestor.IngestAsync(target,
                            scan.Documents.Select(f => DocumentFiles.ToRequest(f, baseDirectory, parse.GetValue(source))),
                            _ => task.Increment(1), cancellationToken);
                        task.Description = $"Ingested {scan.Documents.Count} files";
                    });
            }
            Summarize(response, scan, baseDirectory);
            return response.Failed == 0 ? 0 : 1;
        });
        return command;
    }

    private static void Summarize(IngestResponse response, DocumentScan scan, string baseDirectory)
    {
        bool all = response.Results.Count + scan.Skipped.Count <= ListEveryDocumentUpTo;
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("document", "status", "chunks", "reason");
        foreach (var result in response.Results.Where(r => all || r.Status == DocumentStatus.Failed))
            table.AddRow(Markup.Escape(result.DocumentId), Status(result.Status), result.Chunks.ToString(), Markup.Escape(result.Error?.Message ?? ""));
        foreach (var (file, reason) in scan.Skipped)
            table.AddRow(Markup.Escape(DocumentFiles.DocumentId(file, baseDirectory)), "[grey]skipped[/]", "", Markup.Escape(reason));
        if (table.Rows.Count > 0) AnsiConsole.Write(table);

        var totals = new Table().Border(TableBorder.Rounded).Title("summary");
        totals.AddColumns("indexed", "unchanged", "failed", "skipped", "chunks");
        totals.AddRow(response.Indexed.ToString(), response.Unchanged.ToString(), response.Failed.ToString(),
            scan.Skipped.Count.ToString(), response.Results.Sum(r => (long)r.Chunks).ToString());
        AnsiConsole.Write(totals);
    }

    private static string Status(DocumentStatus status) => status switch
    {
        DocumentStatus.Indexed => "[green]indexed[/]",
        DocumentStatus.Unchanged => "unchanged",
        DocumentStatus.Failed => "[red]failed[/]",
        _ => status.ToString(),
    };
}
