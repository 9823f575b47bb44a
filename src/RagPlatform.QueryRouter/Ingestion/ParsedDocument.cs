namespace RagPlatform.QueryRouter.Ingestion;

/// <summary>What a block of a document is: chunking keeps headings as section paths, the rest as prose.</summary>
public enum BlockKind
{
    Paragraph,
    Heading,
    ListItem,
    TableRow,
}

/// <summary>
/// A block of a document: its kind, its range [Start, End) in the document's text, the headings
/// above it (a heading's path ends with itself), and a heading's level (1 for the top).
/// </summary>
public sealed record Block(BlockKind Kind, int Start, int End, string SectionPath, int Level = 0)
{
    public bool IsProse => Kind != BlockKind.Heading;
}

/// <summary>A document reduced to text, with its title and its blocks in order.</summary>
public sealed record ParsedDocument(string Text, string Title, IReadOnlyList<Block> Blocks)
{
    public IEnumerable<Block> Prose => Blocks.Where(b => b.IsProse);
}
