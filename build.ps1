#!/usr/bin/env pwsh
# Build script. Usage: ./build.ps1 [build|test|pack|pair|bench] [extra args passed to dotnet]
# Linux without a global pwsh:
#   dotnet tool restore && dotnet tool run pwsh -- -NoProfile -File build.ps1 <target> [args]
$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $false   # we check $LASTEXITCODE ourselves
Set-Location $PSScriptRoot

$Targets = 'build', 'test', 'pack', 'pair', 'bench'
$Target = if ($args.Count) { $args[0] } else { 'build' }
$Rest = @($args | Select-Object -Skip 1)
if ($Rest.Count -and $Rest[0] -eq '--') { $Rest = @($Rest | Select-Object -Skip 1) }
$Sln = 'RedundantGateway.sln'

# Runs dotnet and stops the script with its exit code if it fails.
function Invoke-Dotnet {
    Write-Host "> dotnet $args" -ForegroundColor Cyan
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

switch ($Target) {
    'build' { Invoke-Dotnet build $Sln -c Release @Rest }
    # Same command as the README gives.
    'test' { Invoke-Dotnet test $Sln @Rest }
    'pack' {
        $out = Join-Path $PSScriptRoot 'artifacts'
        foreach ($proj in Get-ChildItem src -Filter *.csproj -Recurse) {
            Write-Host "> dotnet pack $($proj.Name)" -ForegroundColor Cyan
            & dotnet pack $proj.FullName -c Release -o $out @Rest
            if ($LASTEXITCODE -ne 0) { Write-Warning "$($proj.Name) does not pack; skipped." }
        }
        Get-ChildItem $out -Filter *.nupkg -ErrorAction SilentlyContinue | ForEach-Object { "packed: $($_.Name)" }
    }
    'pair' { Invoke-Dotnet run --project src/RedundantGateway.Node -- pair @Rest }
    'bench' {
        $proj = 'tests/RedundantGateway.Benchmarks/RedundantGateway.Benchmarks.csproj'
        if (-not (Test-Path $proj)) { Write-Host "bench: $proj does not exist yet."; exit 1 }
        Invoke-Dotnet run -c Release --project $proj -- @Rest
    }
    default {
        Write-Host "Unknown target '$Target'. Targets: $($Targets -join ', ')."
        exit 2
    }
}
exit 0
