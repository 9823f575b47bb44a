using System.CommandLine;
using RagPlatform.Cli.Client;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Launcher;
using Spectre.Console;

namespace RagPlatform.Cli.Commands;

/// <summary>
/// rag quickstart: brings the platform up in this process, ingests the sample corpus that ships
/// with the repository, and answers a question with citations. The first thing a new user runs.
/// </summary>
public static class QuickstartCommand
{
    public const string DefaultQuestion = "What causes the tides?";

    public static Command Create()
    {
        var question = new Argument<string>("question") { Description = "The question to ask.", DefaultValueFactory = _ => DefaultQuestion };
        var json = CommonOptions.Json();
        var command = new Command("quickstart", "Start the platform in this process, ingest the sample corpus, and answer a question.") { question, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var samples = Path.Combine(RepositoryRoot.Find(), "samples");
            await using var target = await PlatformTarget.StartInProcessAsync();
            var files = DocumentFiles.Find([samples]);
            var ingested = await Ingestor.IngestAsync(target, files.Select(f => DocumentFiles.ToRequest(f, samples, null)), cancellationToken: cancellationToken);
            if (!parse.GetValue(json))
                AnsiConsole.MarkupLine($"[grey]Platform up at {target.Address}; ingested {ingested.Indexed} sample documents from {Markup.Escape(samples)}.[/]\n");
            var answer = await target.Router.AskAsync(new AskRequest { Question = parse.GetValue(question)! }, target.Headers, cancellationToken: cancellationToken);
            AnswerPrinter.Print(answer, parse.GetValue(json));
            return 0;
        });
        return command;
    }
}
