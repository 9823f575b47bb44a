using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.FineTuning.Datasets;

/// <summary>
/// Takes an uploaded JSONL file chunk by chunk: spools it to a file, hashes it, and validates every
/// line as it completes, so a large file never sits in memory. One bad line is reported, never fatal.
/// With a base model's tokenizer, the texts of valid lines are queued and counted in batches
/// (<see cref="CountPendingAsync"/>), and lines over the model's limit are reported with their count.
/// </summary>
public sealed class DatasetReader : IDisposable
{
    public const int MaxReportedErrors = 100;
    private const int MaxPendingTexts = 256;
    private const int MaxPendingCharacters = 1 << 20;

    private readonly DatasetHeader header;
    private readonly FileStream spool;
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly ArrayBufferWriter<byte> line = new();
    private readonly Dictionary<UInt128, ulong> seenLines = [];
    private readonly long maxBytes;
    private readonly int maxLineBytes;
    private readonly Dataset dataset;
    private readonly IBaseTokenizer? tokenizer;
    private readonly List<CountedText> pending = [];
    private long pendingCharacters;
    private ulong lastLineMadeInvalid;
    private ulong lineNumber;
    private bool lineTooLong;

    public DatasetReader(DatasetHeader header, string spoolPath, long maxBytes, int maxLineBytes, IBaseTokenizer? tokenizer = null)
    {
        this.header = header;
        this.tokenizer = tokenizer;
        this.maxBytes = maxBytes;
        this.maxLineBytes = maxLineBytes;
        spool = new FileStream(spoolPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        hash.AppendData(Encoding.UTF8.GetBytes($"{header.Kind}\n"));
        // The report depends on the base whose tokenizer counted, so the same file checked against
        // another base is another dataset (a file checked against none keeps its address).
        if (header.BaseModel.Length > 0) hash.AppendData(Encoding.UTF8.GetBytes($"{header.BaseModel}\n"));
        dataset = new Dataset { DisplayName = header.DisplayName, Kind = header.Kind, BaseModel = header.BaseModel };
    }

    public string SpoolPath => spool.Name;

    /// <summary>Whether enough texts wait to be counted that <see cref="CountPendingAsync"/> should run now.</summary>
    public bool CountingDue => pending.Count >= MaxPendingTexts || pendingCharacters >= MaxPendingCharacters;

    public void Append(ReadOnlySpan<byte> chunk)
    {
        if ((long)dataset.SizeBytes + chunk.Length > maxBytes)
            throw new InvalidArgumentException("chunk", $"the dataset exceeds the limit of {maxBytes} bytes");
        spool.Write(chunk);
        hash.AppendData(chunk);
        dataset.SizeBytes += (ulong)chunk.Length;
        while (chunk.Length > 0)
        {
            int newline = chunk.IndexOf((byte)'\n');
            var part = newline < 0 ? chunk : chunk[..newline];
            if (line.WrittenCount + part.Length > maxLineBytes) lineTooLong = true;
            else line.Write(part);
            if (newline < 0) break;
            EndLine();
            chunk = chunk[(newline + 1)..];
        }
    }

    /// <summary>Counts the queued texts in one batch and reports those over the base model's limit.</summary>
    public async Task CountPendingAsync(CancellationToken cancellationToken)
    {
        if (tokenizer is null || pending.Count == 0) return;
        var counts = await tokenizer.CountAsync(pending.ConvertAll(p => p.Text), cancellationToken);
        for (int i = 0; i < pending.Count; i++)
        {
            var (text, count) = (pending[i], counts[i]);
            if (count.Error is { } error)
            {
                AddError(text.Line, text.Field, $"could not be counted by the tokenizer of {tokenizer.BaseModel}: {error}");
                MakeInvalid(text.Line);
            }
            else if (count.Tokens > tokenizer.MaxTokens && text.OverLimitIsError)
            {
                AddError(text.Line, text.Field, OverLimit(text, count.Tokens), (uint)count.Tokens);
                MakeInvalid(text.Line);
            }
            else if (count.Tokens > tokenizer.MaxTokens)
                AddWarning(text.Line, text.Field, OverLimit(text, count.Tokens), (uint)count.Tokens);
        }
        pending.Clear();
        pendingCharacters = 0;
    }

    private string OverLimit(CountedText text, int tokens) => text.OverLimitIsError
        ? text.Field == "query"
            ? $"has {tokens} tokens, over the {tokenizer!.MaxTokens} that {tokenizer.BaseModel} reads: training and serving alike would cut it"
            : $"has {tokens} tokens, over the {tokenizer!.MaxTokens}-token context of {tokenizer.BaseModel}: it would not fit in one training window"
        : $"has {tokens} tokens, over the {tokenizer!.MaxTokens} that {tokenizer.BaseModel} reads: training sees only its first {tokenizer.MaxTokens}";

    /// <summary>A line found over the limit after it was counted valid (each line once).</summary>
    private void MakeInvalid(ulong lineNo)
    {
        if (lineNo == lastLineMadeInvalid) return;
        lastLineMadeInvalid = lineNo;
        dataset.ValidLines--;
    }

    /// <summary>Finishes the file: the dataset's id, status and report. The spool is flushed to disk.</summary>
    public async Task<Dataset> CompleteAsync(CancellationToken cancellationToken)
    {
        if (line.WrittenCount > 0 || lineTooLong) EndLine();
        await CountPendingAsync(cancellationToken);
        SortByLine(dataset.Errors);
        SortByLine(dataset.Warnings);
        spool.Flush(flushToDisk: true);
        spool.Dispose();
        var digest = Convert.ToHexStringLower(hash.GetHashAndReset());
        dataset.Sha256 = digest;
        dataset.Id = "ds-" + digest[..24];
        dataset.Status = dataset.ErrorCount == 0 && dataset.ValidLines > 0 ? DatasetStatus.Valid : DatasetStatus.Invalid;
        if (dataset.LineCount == 0) AddError(0, "", "the file holds no lines");
        dataset.CreatedAt = Timestamp.FromDateTime(DateTime.UtcNow);
        return dataset;
    }

    private void EndLine()
    {
        lineNumber++;
        var bytes = line.WrittenSpan;
        if (bytes.Length > 0 && bytes[^1] == '\r') bytes = bytes[..^1];
        bool tooLong = lineTooLong;
        lineTooLong = false;
        if (tooLong)
            AddError(lineNumber, "", $"is longer than {maxLineBytes} bytes");
        else if (bytes.Trim((byte)' ').IsEmpty)
            AddError(lineNumber, "", "is empty");
        else
            ValidateLine(bytes);
        dataset.LineCount = lineNumber;
        line.ResetWrittenCount();
    }

    private void ValidateLine(ReadOnlySpan<byte> bytes)
    {
        var key = BitConverter.ToUInt128(SHA256.HashData(bytes));
        if (seenLines.TryGetValue(key, out var first))
        {
            AddError(lineNumber, "", $"duplicates line {first}");
            return;
        }
        seenLines[key] = lineNumber;
        var errors = new List<(string Field, string Reason)>();
        try
        {
            using var document = JsonDocument.Parse(bytes.ToArray());
            LineValidator.Validate(document.RootElement, header.Kind, errors);
            if (errors.Count == 0 && tokenizer is not null)
            {
                int before = pending.Count;
                CountedText.Collect(document.RootElement, header.Kind, lineNumber, pending);
                for (int i = before; i < pending.Count; i++) pendingCharacters += pending[i].Text.Length;
            }
        }
        catch (JsonException error)
        {
            errors.Add(("", $"is not valid JSON ({error.Message.Split('.')[0]})"));
        }
        foreach (var (field, reason) in errors) AddError(lineNumber, field, reason);
        if (errors.Count == 0) dataset.ValidLines++;
    }

    private void AddError(ulong lineNo, string field, string reason, uint tokens = 0)
    {
        dataset.ErrorCount++;
        if (dataset.Errors.Count < MaxReportedErrors)
            dataset.Errors.Add(new LineError { Line = lineNo, Field = field, Reason = reason, TokenCount = tokens, TokenLimit = tokens > 0 ? (uint)tokenizer!.MaxTokens : 0 });
    }

    private void AddWarning(ulong lineNo, string field, string reason, uint tokens)
    {
        dataset.WarningCount++;
        if (dataset.Warnings.Count < MaxReportedErrors)
            dataset.Warnings.Add(new LineError { Line = lineNo, Field = field, Reason = reason, TokenCount = tokens, TokenLimit = (uint)tokenizer!.MaxTokens });
    }

    /// <summary>Token counts arrive a batch behind the schema checks; the report reads in line order.</summary>
    private static void SortByLine(Google.Protobuf.Collections.RepeatedField<LineError> list)
    {
        var sorted = list.OrderBy(e => e.Line).ToList(); // stable: a line's problems keep their order
        list.Clear();
        list.Add(sorted);
    }

    public void Dispose()
    {
        spool.Dispose();
        hash.Dispose();
    }
}
