using Akka.Actor;

namespace RedundantGateway.Transfer;

/// <summary>
/// Supervision for an actor that runs transfers among other children: a failing transfer child is stopped
/// (its parent sees it terminate and the transfer is retried from the start; a restart would only repeat
/// the failure on a half-written file), any other child gets Akka's default decision.
/// </summary>
public sealed class TransferChildStrategy(Func<IActorRef, bool> isTransfer) : OneForOneStrategy(DefaultDecider)
{
    protected override Directive Handle(IActorRef child, Exception exception) =>
        isTransfer(child) ? Directive.Stop : base.Handle(child, exception);
}
