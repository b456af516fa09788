using System.Security.Cryptography;
using System.Text;

namespace OrderGrains.Host.Security;

/// <summary>
/// A token generated on first start and kept, owner-only (0600), in the data directory: the admin token and the
/// default caller token of a host started with no tokens configured.
/// </summary>
internal static class GeneratedTokenFile
{
    public const int MinimumTokenLength = 16;

    /// <summary>Reads the token in <paramref name="path"/>, creating the file with a fresh random token first if it is missing.</summary>
    public static string LoadOrCreate(string path, string whatToConfigure)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!File.Exists(path))
        {
            var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            try
            {
                using var writer = new StreamWriter(path, Encoding.ASCII, options);
                writer.WriteLine(token);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process of the same data directory won the race: use its token.
            }
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var stored = File.ReadAllText(path).Trim();
        if (stored.Length < MinimumTokenLength)
        {
            throw new HostSettingsException([$"{path} holds no usable token; delete the file to have a new one generated, or configure {whatToConfigure}."]);
        }

        return stored;
    }

    /// <summary>The digest kept in memory instead of a token; tokens are compared as digests in constant time.</summary>
    public static byte[] Digest(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
