using System.CommandLine;
using Google.Protobuf;
using RagPlatform.Cli.Client;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Datasets;
using Spectre.Console;

namespace RagPlatform.Cli.Commands;

/// <summary>rag datasets upload|validate|list: fine-tuning datasets (JSONL) and their validation reports.</summary>
public static class DatasetsCommand
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static Command Create()
    {
        var command = new Command("datasets", "Fine-tuning datasets: upload, validate, list.");
        command.Subcommands.Add(Upload());
        command.Subcommands.Add(Validate());
        command.Subcommands.Add(List());
        return command;
    }

    private static Argument<string> FileArgument() => new("file") { Description = "The JSONL file." };

    private static Option<DatasetKind> KindOption() => new("--kind")
    {
        Description = "chat, prompt-completion or retrieval-pairs.",
        Required = true,
        CustomParser = result => result.Tokens[0].Value switch
        {
            "chat" => DatasetKind.Chat,
            "prompt-completion" => DatasetKind.PromptCompletion,
            "retrieval-pairs" => DatasetKind.RetrievalPairs,
            var other => throw new ArgumentException($"unknown kind '{other}': use chat, prompt-completion or retrieval-pairs"),
        },
    };

    private static Command Upload()
    {
        var file = FileArgument();
        var kind = KindOption();
        var name = new Option<string?>("--name") { Description = "Display name; the file's name when omitted." };
        var baseModel = new Option<string>("--base-model") { Description = "Model whose tokenizer counts tokens.", DefaultValueFactory = _ => "" };
        var endpoint = Endpoint();
        var tenant = CommonOptions.Tenant();
        var json = CommonOptions.Json();
        var command = new Command("upload", "Upload a JSONL dataset; prints its id and validation report.") { file, kind, name, baseModel, endpoint, tenant, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            await using var target = PlatformTarget.Connect(parse.GetValue(endpoint)!, parse.GetValue(tenant));
            await using var stream = File.OpenRead(path);
            var dataset = await FineTuningCalls.UploadAsync(target, stream, parse.GetValue(name) ?? Path.GetFileName(path), parse.GetValue(kind),
                parse.GetValue(baseModel)!, cancellationToken);
            return Print(dataset, parse.GetValue(json));
        });
        return command;
    }

    private static Command Validate()
    {
        var file = FileArgument();
        var kind = KindOption();
        var json = CommonOptions.Json();
        var command = new Command("validate", "Check a JSONL dataset here, with the service's own rules, without uploading it.") { file, kind, json };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            var spool = Path.Combine(Path.GetTempPath(), $"rag-validate-{Guid.NewGuid():N}.jsonl");
            try
            {
                using var reader = new DatasetReader(new DatasetHeader { DisplayName = Path.GetFileName(path), Kind = parse.GetValue(kind) },
                    spool, long.MaxValue, 1024 * 1024);
                using (var stream = File.OpenRead(path))
                {
                    var buffer = new byte[256 * 1024];
                    int read;
                    while ((read = stream.Read(buffer)) > 0) reader.Append(buffer.AsSpan(0, read));
                }
                return Print(reader.CompleteAsync(CancellationToken.None).GetAwaiter().GetResult(), parse.GetValue(json));
            }
            finally { File.Delete(spool); }
        });
        return command;
    }

    private static Command List()
    {
        var endpoint = Endpoint();
        var tenant = CommonOptions.Tenant();
        var json = CommonOptions.Json();
        var command = new Command("list", "The tenant's datasets, newest first.") { endpoint, tenant, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var target = PlatformTarget.Connect(parse.GetValue(endpoint)!, parse.GetValue(tenant));
            var all = new List<Dataset>();
            var request = new ListDatasetsRequest { PageSize = 100 };
            do
            {
                var page = await target.FineTuning.ListDatasetsAsync(request, target.Headers, cancellationToken: cancellationToken);
                all.AddRange(page.Datasets);
                request.PageToken = page.NextPageToken;
            } while (request.PageToken.Length > 0);
            if (parse.GetValue(json))
            {
                Console.WriteLine("[" + string.Join(",", all.Select(d => Json.Format(d))) + "]");
                return 0;
            }
            var table = new Table().Border(TableBorder.Rounded).AddColumns("id", "name", "kind", "status", "lines", "errors", "created");
            foreach (var d in all)
                table.AddRow(d.Id, Markup.Escape(d.DisplayName), d.Kind.ToString(), d.Status.ToString(), d.LineCount.ToString(), d.ErrorCount.ToString(),
                    d.CreatedAt.ToDateTime().ToString("u"));
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static Option<string?> Endpoint()
    {
        var endpoint = CommonOptions.Endpoint("The platform's address.");
        endpoint.DefaultValueFactory = _ => Standalone.StandaloneHost.DefaultUrl;
        return endpoint;
    }

    /// <summary>The report; exit code 2 when the dataset has errors (it cannot start a job).</summary>
    private static int Print(Dataset dataset, bool json)
    {
        if (json) Console.WriteLine(Json.Format(dataset));
        else
        {
            var color = dataset.Status == DatasetStatus.Valid ? "green" : "red";
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(dataset.Id)}[/] {Markup.Escape(dataset.DisplayName)}: [{color}]{dataset.Status}[/], " +
                $"{dataset.ValidLines} of {dataset.LineCount} lines valid, {dataset.ErrorCount} errors");
            foreach (var error in dataset.Errors)
                AnsiConsole.MarkupLine($"  line {error.Line}{(error.Field.Length > 0 ? " " + Markup.Escape(error.Field) : "")}: {Markup.Escape(error.Reason)}");
            if (dataset.ErrorCount > (ulong)dataset.Errors.Count)
                AnsiConsole.MarkupLine($"  [grey]… and {dataset.ErrorCount - (ulong)dataset.Errors.Count} more[/]");
            foreach (var warning in dataset.Warnings)
                AnsiConsole.MarkupLine($"  [yellow]warning[/] line {warning.Line}{(warning.Field.Length > 0 ? " " + Markup.Escape(warning.Field) : "")}: {Markup.Escape(warning.Reason)}");
            if (dataset.WarningCount > (ulong)dataset.Warnings.Count)
                AnsiConsole.MarkupLine($"  [grey]… and {dataset.WarningCount - (ulong)dataset.Warnings.Count} more warnings[/]");
        }
        return dataset.Status == DatasetStatus.Valid ? 0 : 2;
    }
}
