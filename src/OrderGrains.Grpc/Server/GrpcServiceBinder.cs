using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Http;

namespace OrderGrains.Grpc.Server;

/// <summary>
/// Binds the RPCs of a <see cref="ServiceDescriptor"/> to methods of a handler type by name (<c>PlaceOrder</c> →
/// <c>PlaceOrderAsync</c>), compiling one strongly typed invoker per RPC at start-up so calls pay no reflection.
/// </summary>
/// <remarks>
/// Accepted handler signatures, where the last parameter may be a <see cref="ServerCallContext"/>, a
/// <see cref="CancellationToken"/>, or left out:
/// unary <c>Task&lt;TResponse&gt;</c> or <c>ValueTask&lt;TResponse&gt;</c> <c>XAsync(TRequest, ServerCallContext)</c>;
/// server streaming <c>Task XAsync(TRequest, IServerStreamWriter&lt;TResponse&gt;, ServerCallContext)</c> or
/// <c>IAsyncEnumerable&lt;TResponse&gt; XAsync(TRequest, ServerCallContext)</c>.
/// </remarks>
internal static class GrpcServiceBinder
{
    public static IReadOnlyList<ServerMethodHandler> Bind(
        ServiceDescriptor service, Type handlerType, Func<HttpContext, object> handlerFactory, GrpcServerRuntime runtime)
    {
        var handlers = new List<ServerMethodHandler>(service.Methods.Count);
        var problems = new List<string>();
        foreach (var method in service.Methods)
        {
            var requestType = method.InputType.ClrType;
            var responseType = method.OutputType.ClrType;
            if (requestType is null || responseType is null)
            {
                problems.Add($"{method.FullName}: its message types have no generated C# classes.");
                continue;
            }

            if (method.IsClientStreaming)
            {
                problems.Add($"{method.FullName}: client and bidirectional streaming are not supported.");
                continue;
            }

            var methodName = method.Name + "Async";
            ServerMethodHandler? bound = null;
            foreach (var candidate in handlerType.GetMethods(BindingFlags.Public | BindingFlags.Instance))
            {
                if (candidate.Name != methodName || candidate.IsGenericMethodDefinition)
                {
                    continue;
                }

                bound = method.IsServerStreaming
                    ? TryBindServerStreaming(method, candidate, requestType, responseType, handlerFactory, runtime)
                    : TryBindUnary(method, candidate, requestType, responseType, handlerFactory, runtime);
                if (bound is not null)
                {
                    break;
                }
            }

            if (bound is null)
            {
                problems.Add(DescribeExpected(method, methodName, requestType, responseType));
                continue;
            }

            handlers.Add(bound);
        }

        if (problems.Count > 0)
        {
            var message = new StringBuilder()
                .Append("Cannot bind gRPC service ").Append(service.FullName)
                .Append(" to handler ").Append(handlerType.FullName).Append(':');
            foreach (var problem in problems)
            {
                message.AppendLine().Append("  - ").Append(problem);
            }

            throw new InvalidOperationException(message.ToString());
        }

        return handlers;
    }

    private static string DescribeExpected(MethodDescriptor method, string methodName, Type requestType, Type responseType) =>
        method.IsServerStreaming
            ? $"{method.FullName}: add 'public Task {methodName}({requestType.Name}, IServerStreamWriter<{responseType.Name}>, ServerCallContext)' "
              + $"or 'public IAsyncEnumerable<{responseType.Name}> {methodName}({requestType.Name}, ServerCallContext)'."
            : $"{method.FullName}: add 'public Task<{responseType.Name}> {methodName}({requestType.Name}, ServerCallContext)'.";

    private static ServerMethodHandler? TryBindUnary(
        MethodDescriptor method, MethodInfo candidate, Type requestType, Type responseType, Func<HttpContext, object> handlerFactory, GrpcServerRuntime runtime)
    {
        var returnType = candidate.ReturnType;
        var isTask = returnType == typeof(Task<>).MakeGenericType(responseType);
        var isValueTask = returnType == typeof(ValueTask<>).MakeGenericType(responseType);
        if (!isTask && !isValueTask)
        {
            return null;
        }

        var parameters = candidate.GetParameters();
        var handler = Expression.Parameter(typeof(object), "handler");
        var request = Expression.Parameter(requestType, "request");
        var context = Expression.Parameter(typeof(ServerCallContext), "context");
        if (parameters.Length is < 1 or > 2
            || !parameters[0].ParameterType.IsAssignableFrom(requestType)
            || (parameters.Length == 2 && ContextArgument(parameters[1].ParameterType, context) is null))
        {
            return null;
        }

        var arguments = new List<Expression> { Expression.Convert(request, parameters[0].ParameterType) };
        if (parameters.Length == 2)
        {
            arguments.Add(ContextArgument(parameters[1].ParameterType, context)!);
        }

        Expression body = Expression.Call(Expression.Convert(handler, candidate.DeclaringType!), candidate, arguments);
        if (isValueTask)
        {
            body = Expression.Call(body, returnType.GetMethod(nameof(ValueTask<int>.AsTask))!);
        }

        var delegateType = typeof(Func<,,,>).MakeGenericType(typeof(object), requestType, typeof(ServerCallContext), typeof(Task<>).MakeGenericType(responseType));
        var invoker = Expression.Lambda(delegateType, body, handler, request, context).Compile();
        var handlerClass = typeof(UnaryServerMethodHandler<,>).MakeGenericType(requestType, responseType);
        return (ServerMethodHandler)Activator.CreateInstance(handlerClass, method, handlerFactory, runtime, invoker)!;
    }

    private static ServerMethodHandler? TryBindServerStreaming(
        MethodDescriptor method, MethodInfo candidate, Type requestType, Type responseType, Func<HttpContext, object> handlerFactory, GrpcServerRuntime runtime)
    {
        var parameters = candidate.GetParameters();
        var handler = Expression.Parameter(typeof(object), "handler");
        var request = Expression.Parameter(requestType, "request");
        var context = Expression.Parameter(typeof(ServerCallContext), "context");
        if (parameters.Length == 0 || !parameters[0].ParameterType.IsAssignableFrom(requestType))
        {
            return null;
        }

        var arguments = new List<Expression> { Expression.Convert(request, parameters[0].ParameterType) };
        var handlerClass = typeof(ServerStreamingMethodHandler<,>).MakeGenericType(requestType, responseType);
        var writerType = typeof(IServerStreamWriter<>).MakeGenericType(responseType);
        var target = Expression.Convert(handler, candidate.DeclaringType!);

        if (candidate.ReturnType == typeof(Task) && parameters.Length is 2 or 3 && parameters[1].ParameterType == writerType)
        {
            var writer = Expression.Parameter(writerType, "writer");
            arguments.Add(writer);
            if (parameters.Length == 3)
            {
                if (ContextArgument(parameters[2].ParameterType, context) is not { } contextArgument)
                {
                    return null;
                }

                arguments.Add(contextArgument);
            }

            var delegateType = typeof(Func<,,,,>).MakeGenericType(typeof(object), requestType, writerType, typeof(ServerCallContext), typeof(Task));
            var invoker = Expression.Lambda(delegateType, Expression.Call(target, candidate, arguments), handler, request, writer, context).Compile();
            return (ServerMethodHandler)Activator.CreateInstance(handlerClass, method, handlerFactory, runtime, invoker, null)!;
        }

        var enumerableType = typeof(IAsyncEnumerable<>).MakeGenericType(responseType);
        if (candidate.ReturnType == enumerableType && parameters.Length is 1 or 2)
        {
            if (parameters.Length == 2)
            {
                if (ContextArgument(parameters[1].ParameterType, context) is not { } contextArgument)
                {
                    return null;
                }

                arguments.Add(contextArgument);
            }

            var delegateType = typeof(Func<,,,>).MakeGenericType(typeof(object), requestType, typeof(ServerCallContext), enumerableType);
            var invoker = Expression.Lambda(delegateType, Expression.Call(target, candidate, arguments), handler, request, context).Compile();
            return (ServerMethodHandler)Activator.CreateInstance(handlerClass, method, handlerFactory, runtime, null, invoker)!;
        }

        return null;
    }

    private static Expression? ContextArgument(Type parameterType, ParameterExpression context)
    {
        if (parameterType == typeof(ServerCallContext))
        {
            return context;
        }

        if (parameterType == typeof(CancellationToken))
        {
            return Expression.Property(context, nameof(ServerCallContext.CancellationToken));
        }

        return null;
    }
}
