namespace RagPlatform.QueryRouter.Conversations;

/// <summary>
/// Makes a follow-up question standalone from the conversation so far, before retrieval. The
/// shipped rewriter is deterministic; a chat model can take its place behind this interface.
/// </summary>
public interface IQuestionRewriter
{
    ValueTask<string> RewriteAsync(string question, IReadOnlyList<ConversationTurn> history, CancellationToken cancellationToken);
}
