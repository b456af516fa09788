using Microsoft.Extensions.Logging;
using OrderGrains.Runtime.Diagnostics;
using OrderGrains.Runtime.Reminders;
using OrderGrains.Runtime.Serialization;

namespace OrderGrains.Runtime.Core;

/// <summary>The silo's core: routes calls from references to activations, creating activations on demand.</summary>
internal sealed class GrainRuntime
{
    private volatile bool _accepting;

    public GrainRuntime(SiloOptions options, GrainTypeRegistry registry, GrainSerializer serializer, IServiceProvider services,
        IEnumerable<IIncomingGrainCallFilter> filters, ILoggerFactory loggerFactory)
    {
        Options = options;
        Registry = registry;
        Serializer = serializer;
        Services = services;
        Filters = [.. filters];
        ArgumentCopier = options.SerializeCallArguments ? serializer : null;
        Log = new RuntimeLog(loggerFactory.CreateLogger("OrderGrains.Runtime"));
        Directory = new ActivationDirectory(this);
        Activator = new GrainActivator(services, serializer);
        Timeouts = new RequestTimeouts(options.RequestTimeout);
        GrainFactory = new GrainFactory(this);
        Reminders = new ReminderService(this);
        Streams = new Streams.StreamPullingService(this);
        serializer.Attach(GrainFactory);
    }

    public SiloOptions Options { get; }

    public GrainTypeRegistry Registry { get; }

    public GrainSerializer Serializer { get; }

    public IServiceProvider Services { get; }

    public IReadOnlyList<IIncomingGrainCallFilter> Filters { get; }

    /// <summary>Non-null when calls must round-trip through the serializer.</summary>
    public GrainSerializer? ArgumentCopier { get; }

    public RuntimeLog Log { get; }

    public ActivationDirectory Directory { get; }

    /// <summary>The activations called since the statistics last sampled.</summary>
    public Diagnostics.CalledActivations CalledActivations { get; } = new();

    public GrainActivator Activator { get; }

    public RequestTimeouts Timeouts { get; }

    public GrainFactory GrainFactory { get; }

    public ReminderService Reminders { get; }

    public Streams.StreamPullingService Streams { get; }

    public bool IsAccepting => _accepting;

    public void StartAccepting() => _accepting = true;

    public void StopAccepting() => _accepting = false;

    /// <summary>Entry point of every grain call made through a reference.</summary>
    public object Invoke(GrainReference reference, MethodDescriptor method, object?[] arguments)
    {
        if (!_accepting)
        {
            var refused = method.CreateRequest(method, arguments);
            refused.TryFail(new SiloUnavailableException());
            return method.ToInterfaceReturn(refused.ResultTask);
        }

        var chain = CallChain.Current;
        var trace = GrainCallTracing.Capture();
        var activation = reference.CachedActivation;
        if (activation is null || !activation.IsUsable)
        {
            activation = Directory.GetOrCreate(reference.ClassInfo, reference.GrainId);
            reference.CachedActivation = activation;
        }

        if (ArgumentCopier is null && activation.TryRunInline(method, arguments, chain, trace, out var task))
        {
            if (task.IsCompleted)
            {
                return method.ToInterfaceReturn(task);
            }

            var pending = NewRequest(reference.GrainId, method, arguments, chain);
            Timeouts.Track(pending);
            task.ContinueWith(static (t, s) => ((GrainRequest)s!).CompleteFrom(t, copier: null), pending, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return method.ToInterfaceReturn(pending.ResultTask);
        }

        if (ArgumentCopier is not null)
        {
            arguments = CopyArguments(method, arguments);
        }

        var request = NewRequest(reference.GrainId, method, arguments, chain);
        request.Trace = trace;
        Timeouts.Track(request);
        Submit(activation, request);
        return method.ToInterfaceReturn(request.ResultTask);
    }

    /// <summary>Routes a request again, to whichever activation now owns its grain (used after deactivation).</summary>
    public void Resubmit(GrainRequest request)
    {
        if (!_accepting)
        {
            request.TryFail(new SiloUnavailableException());
            return;
        }

        var classInfo = Registry.ForTypeName(request.Target.Type);
        Submit(Directory.GetOrCreate(classInfo, request.Target), request);
    }

    public GrainRequest NewRequest(GrainId target, MethodDescriptor method, object?[] arguments, CallChain? chain)
    {
        var request = method.CreateRequest(method, arguments);
        request.Chain = chain;
        request.Target = target;
        request.DeadlineTicks = Environment.TickCount64 + (long)Options.RequestTimeout.TotalMilliseconds;
        return request;
    }

    private void Submit(ActivationData activation, GrainRequest request)
    {
        if (!activation.TrySubmit(request))
        {
            activation.Deactivated.ContinueWith(static (_, s) =>
            {
                var (runtime, pending) = ((GrainRuntime, GrainRequest))s!;
                runtime.Resubmit(pending);
            }, (this, request), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private object?[] CopyArguments(MethodDescriptor method, object?[] arguments)
    {
        if (arguments.Length == 0)
        {
            return arguments;
        }

        var copy = new object?[arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            copy[i] = ArgumentCopier!.CopyBoxed(arguments[i], method.Parameters[i]);
        }

        return copy;
    }
}
