using System.Text.RegularExpressions;

namespace RagPlatform.Generation.Prompting;

/// <summary>One bracketed citation found in an answer: the passage number and the claim it follows.</summary>
public readonly record struct ParsedCitation(int PassageNumber, int ClaimStart, int ClaimEnd);

public sealed record ParsedCitations(IReadOnlyList<ParsedCitation> Citations, int Dropped);

/// <summary>
/// Reads the [n] markers a model wrote ([2], [1][3], [1, 3]) back into citations. A number that
/// names no passage the prompt showed is dropped and counted: the model made it up or misread it.
/// </summary>
public static partial class CitationParser
{
    [GeneratedRegex(@"\[\s*(\d{1,4}(?:\s*[,;]\s*\d{1,4})*)\s*\]")]
    private static partial Regex Marker();

    public static ParsedCitations Parse(string answer, IReadOnlySet<int> shownNumbers)
    {
        var citations = new List<ParsedCitation>();
        int dropped = 0;
        int previousMarkerEnd = 0;
        (int Start, int End) claim = (0, 0);
        foreach (Match marker in Marker().Matches(answer))
        {
            // Adjacent markers ([1][2]) back the same claim.
            bool adjacent = previousMarkerEnd > 0 && answer.AsSpan(previousMarkerEnd, marker.Index - previousMarkerEnd).IsWhiteSpace();
            if (!adjacent)
                claim = Claim(answer, marker.Index, previousMarkerEnd);
            foreach (var part in marker.Groups[1].Value.Split([',', ';']))
            {
                int number = int.Parse(part.Trim(), System.Globalization.CultureInfo.InvariantCulture);
                if (shownNumbers.Contains(number))
                    citations.Add(new ParsedCitation(number, claim.Start, claim.End));
                else
                    dropped++;
            }
            previousMarkerEnd = marker.Index + marker.Length;
        }
        return new ParsedCitations(citations, dropped);
    }

    /// <summary>
    /// The claim a marker backs: the text before it, back to the start of its sentence or the
    /// previous marker, whichever is nearer.
    /// </summary>
    private static (int Start, int End) Claim(string answer, int markerStart, int previousMarkerEnd)
    {
        int end = markerStart;
        while (end > previousMarkerEnd && char.IsWhiteSpace(answer[end - 1])) end--;
        int start = end;
        while (start > previousMarkerEnd && !EndsSentence(answer, start - 1, end)) start--;
        while (start < end && (char.IsWhiteSpace(answer[start]) || answer[start] is '.' or ',' or ';')) start++;
        return (start, end);
    }

    /// <summary>A sentence ends at a newline, or at . ! ? followed by whitespace, before the claim's end.</summary>
    private static bool EndsSentence(string answer, int i, int end) =>
        answer[i] == '\n' || (answer[i] is '.' or '!' or '?' && i + 1 < end && char.IsWhiteSpace(answer[i + 1]));
}
