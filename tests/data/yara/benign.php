<?php
$q = isset($_GET['q']) ? $_GET['q'] : '';
echo htmlspecialchars($q, ENT_QUOTES, 'UTF-8');
?>
