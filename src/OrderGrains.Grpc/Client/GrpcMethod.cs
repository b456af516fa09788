using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace OrderGrains.Grpc.Client;

/// <summary>A callable RPC: its path and how to parse its responses. Create once and reuse.</summary>
public sealed class GrpcMethod<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    internal GrpcMethod(string path, MessageParser<TResponse> responseParser, MethodDescriptor? descriptor)
    {
        Path = path;
        ResponseParser = responseParser;
        Descriptor = descriptor;
    }

    /// <summary><c>/package.Service/Method</c>.</summary>
    public string Path { get; }

    public MessageParser<TResponse> ResponseParser { get; }

    /// <summary>The proto description, if the method was made from one.</summary>
    public MethodDescriptor? Descriptor { get; }

    public override string ToString() => Path;
}

/// <summary>Builds <see cref="GrpcMethod{TRequest, TResponse}"/>s from proto descriptors or raw paths.</summary>
public static class GrpcMethod
{
    /// <summary>The RPC <paramref name="methodName"/> of <paramref name="service"/>; checks the message types match.</summary>
    public static GrpcMethod<TRequest, TResponse> Create<TRequest, TResponse>(ServiceDescriptor service, string methodName)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(service);
        var method = service.FindMethodByName(methodName)
            ?? throw new ArgumentException($"Service {service.FullName} has no method '{methodName}'.", nameof(methodName));
        return Create<TRequest, TResponse>(method);
    }

    public static GrpcMethod<TRequest, TResponse> Create<TRequest, TResponse>(MethodDescriptor method)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method.InputType.ClrType != typeof(TRequest) || method.OutputType.ClrType != typeof(TResponse))
        {
            throw new ArgumentException(
                $"{method.FullName} takes {method.InputType.FullName} and returns {method.OutputType.FullName}, "
                + $"not {typeof(TRequest).Name} and {typeof(TResponse).Name}.",
                nameof(method));
        }

        if (method.IsClientStreaming)
        {
            throw new ArgumentException($"{method.FullName} is client-streaming, which this client does not support.", nameof(method));
        }

        var parser = (MessageParser<TResponse>)method.OutputType.Parser;
        return new GrpcMethod<TRequest, TResponse>($"/{method.Service.FullName}/{method.Name}", parser, method);
    }

    /// <summary>A method known only by its path, for calling services without descriptors.</summary>
    public static GrpcMethod<TRequest, TResponse> FromPath<TRequest, TResponse>(string path)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path[0] != '/')
        {
            throw new ArgumentException("A gRPC method path starts with '/': /package.Service/Method.", nameof(path));
        }

        return new GrpcMethod<TRequest, TResponse>(path, ParserCache<TResponse>.Parser, descriptor: null);
    }
}

internal static class ParserCache<T>
    where T : class, IMessage<T>, new()
{
    public static readonly MessageParser<T> Parser = new(static () => new T());
}
