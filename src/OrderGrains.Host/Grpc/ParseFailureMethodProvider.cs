using System.Reflection;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace OrderGrains.Host.Grpc;

/// <summary>
/// Binds each generated service's methods for Grpc.AspNetCore as its own binder does (the generated
/// <c>BindService</c>, handlers found by name), with one difference: a request that is not valid protobuf ends with
/// INTERNAL, "Failed to deserialize the request message.", as grpc-go and grpc-java answer, instead of UNKNOWN.
/// Deserialization runs before any interceptor, so only the method's request marshaller can say so.
/// </summary>
/// <typeparam name="TService">A service class derived from a generated service base.</typeparam>
internal sealed class ParseFailureMethodProvider<TService> : IServiceMethodProvider<TService>
    where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        var attribute = typeof(TService).GetCustomAttribute<BindServiceMethodAttribute>(inherit: true);
        if (attribute is null)
        {
            return;
        }

        var bind = attribute.BindType
            .GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .SingleOrDefault(m => m.Name == attribute.BindMethodName && m.GetParameters() is [{ ParameterType: var binder }, _] && binder == typeof(ServiceBinderBase))
            ?? throw new InvalidOperationException($"{attribute.BindType} has no {attribute.BindMethodName}(ServiceBinderBase, service) to bind {typeof(TService)} with.");
        bind.Invoke(null, [new Binder(context), null]);
    }

    private static Method<TRequest, TResponse> WithCheckedParsing<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class
    {
        var parse = method.RequestMarshaller.ContextualDeserializer;
        var marshaller = new Marshaller<TRequest>(
            method.RequestMarshaller.ContextualSerializer,
            context =>
            {
                try
                {
                    return parse(context);
                }
                catch (InvalidProtocolBufferException exception)
                {
                    // The spec keeps INVALID_ARGUMENT for arguments the application rejects, not for undecodable bytes.
                    throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize the request message.", exception));
                }
            });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, marshaller, method.ResponseMarshaller);
    }

    private static (TDelegate Invoker, List<object> Metadata) Handler<TDelegate>(string name, params Type[] parameters)
        where TDelegate : Delegate
    {
        var handler = typeof(TService).GetMethod(name, BindingFlags.Public | BindingFlags.Instance, parameters)
            ?? throw new InvalidOperationException($"{typeof(TService)} has no method {name}.");
        List<object> metadata = [.. typeof(TService).GetCustomAttributes(inherit: true), .. handler.GetCustomAttributes(inherit: true)];
        return ((TDelegate)Delegate.CreateDelegate(typeof(TDelegate), handler), metadata);
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Handler<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(ServerCallContext));
            context.AddUnaryMethod(WithCheckedParsing(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Handler<ServerStreamingServerMethod<TService, TRequest, TResponse>>(
                method.Name, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddServerStreamingMethod(WithCheckedParsing(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Handler<ClientStreamingServerMethod<TService, TRequest, TResponse>>(
                method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext));
            context.AddClientStreamingMethod(WithCheckedParsing(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Handler<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(
                method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddDuplexStreamingMethod(WithCheckedParsing(method), metadata, invoker);
        }
    }
}
