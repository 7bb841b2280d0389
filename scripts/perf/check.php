<?php
// check.php FILE: the simple way to check a panel file, for scale against
// `rigtop check FILE`: json_decode the whole file, then count the rigs that
// are up and the GPUs that hash. Run as `php scripts/perf/check.php FILE`.
$panel = json_decode(file_get_contents($argv[1]), true);
if (!is_array($panel) || !isset($panel['rigs']) || !is_array($panel['rigs'])) {
    fwrite(STDERR, "not a panel\n");
    exit(3);
}
$rigs = 0;
$up = 0;
$gpus = 0;
$hashing = 0;
$hash = 0.0;
foreach ($panel['rigs'] as $id => $rig) {
    $rigs++;
    if (($rig['condition'] ?? '') === 'mining') {
        $up++;
    }
    foreach (preg_split('/\s+/', trim((string)($rig['miner_hashes'] ?? ''))) as $h) {
        if ($h === '') {
            continue;
        }
        $gpus++;
        if ((float)$h > 0) {
            $hashing++;
        }
    }
    $hash += (float)($rig['hash'] ?? 0);
}
printf("%d of %d rigs up, %d of %d GPUs hashing, %.2f MH/s\n", $up, $rigs, $hashing, $gpus, $hash);
exit($up === $rigs ? 0 : 2);
