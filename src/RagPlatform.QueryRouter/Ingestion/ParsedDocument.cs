namespace RagPlatform.QueryRouter.Ingestion;

/// <summary>A run of prose in a document: its range in the text and the headings above it.</summary>
public sealed record Block(int Start, int End, string SectionPath);

/// <summary>A document reduced to text, with its prose blocks in order.</summary>
public sealed record ParsedDocument(string Text, string Title, IReadOnlyList<Block> Blocks);
