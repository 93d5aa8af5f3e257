using System.Globalization;

namespace RedundantGateway.Redundancy;

/// <summary>Keeps the newest epoch this node has seen in its data dir, so that epochs keep growing across restarts.</summary>
public sealed class EpochFile(string dataDir)
{
    private readonly string _path = Path.Combine(dataDir, "redundancy-epoch");

    public long Read()
    {
        try
        {
            return File.Exists(_path) && long.TryParse(File.ReadAllText(_path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
                ? epoch : 0;
        }
        catch (IOException) { return 0; }
    }

    public void Write(long epoch)
    {
        Directory.CreateDirectory(dataDir);
        var temp = _path + ".tmp";
        File.WriteAllText(temp, epoch.ToString(CultureInfo.InvariantCulture));
        File.Move(temp, _path, overwrite: true);
    }
}
