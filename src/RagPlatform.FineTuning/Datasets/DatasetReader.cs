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
/// </summary>
public sealed class DatasetReader : IDisposable
{
    public const int MaxReportedErrors = 100;

    private readonly DatasetHeader header;
    private readonly FileStream spool;
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly ArrayBufferWriter<byte> line = new();
    private readonly Dictionary<UInt128, ulong> seenLines = [];
    private readonly long maxBytes;
    private readonly int maxLineBytes;
    private readonly Dataset dataset;
    private ulong lineNumber;
    private bool lineTooLong;

    public DatasetReader(DatasetHeader header, string spoolPath, long maxBytes, int maxLineBytes)
    {
        this.header = header;
        this.maxBytes = maxBytes;
        this.maxLineBytes = maxLineBytes;
        spool = new FileStream(spoolPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        hash.AppendData(Encoding.UTF8.GetBytes($"{header.Kind}\n"));
        dataset = new Dataset { DisplayName = header.DisplayName, Kind = header.Kind, BaseModel = header.BaseModel };
    }

    public string SpoolPath => spool.Name;

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

    /// <summary>Finishes the file: the dataset's id, status and report. The spool is flushed to disk.</summary>
    public Dataset Complete()
    {
        if (line.WrittenCount > 0 || lineTooLong) EndLine();
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
        }
        catch (JsonException error)
        {
            errors.Add(("", $"is not valid JSON ({error.Message.Split('.')[0]})"));
        }
        foreach (var (field, reason) in errors) AddError(lineNumber, field, reason);
        if (errors.Count == 0) dataset.ValidLines++;
    }

    private void AddError(ulong lineNo, string field, string reason)
    {
        dataset.ErrorCount++;
        if (dataset.Errors.Count < MaxReportedErrors)
            dataset.Errors.Add(new LineError { Line = lineNo, Field = field, Reason = reason });
    }

    public void Dispose()
    {
        spool.Dispose();
        hash.Dispose();
    }
}
