using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.QueryRouter.Conversations;

/// <summary>
/// Conversations around Ask: before it, the question is made standalone from the earlier turns
/// (a new conversation id is given when the caller has none); after it, the turn is remembered.
/// </summary>
public sealed partial class ConversationMemory(ConversationStore store, IQuestionRewriter rewriter, IOptions<QueryRouterOptions> options)
{
    private const int AnswerCharactersKept = 1_000;

    /// <summary>A request with its question made standalone, and the question as the caller asked it.</summary>
    public sealed record Turn(AskRequest Request, string AskedQuestion);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$")]
    private static partial Regex IdPattern();

    public async Task<Turn> BeginAsync(AskRequest request, CancellationToken cancellationToken)
    {
        Require.NotBlank(request.Question, "question");
        Require.MaxLength(request.Question, options.Value.MaxQuestionCharacters, "question");
        var standalone = request.Clone();
        if (request.ConversationId.Length == 0)
        {
            standalone.ConversationId = Guid.NewGuid().ToString("N");
            return new Turn(standalone, request.Question);
        }
        Require.That(IdPattern().IsMatch(request.ConversationId), "conversation_id", "must be 1-128 characters of letters, digits, '_' or '-'");
        var history = await store.GetAsync(request.ConversationId);
        var rewritten = await rewriter.RewriteAsync(request.Question, history, cancellationToken);
        if (rewritten.Length <= options.Value.MaxQuestionCharacters) standalone.Question = rewritten;
        return new Turn(standalone, request.Question);
    }

    public void End(Turn turn, AskResponse response)
    {
        var answer = response.Answer.Length > AnswerCharactersKept ? response.Answer[..AnswerCharactersKept] : response.Answer;
        store.Append(turn.Request.ConversationId, new ConversationTurn(turn.AskedQuestion, turn.Request.Question, answer));
    }
}
