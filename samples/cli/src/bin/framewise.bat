@echo off
rem Framewise CLI launcher for Windows: JAVA_HOME selects the JDK/JRE (17 or later), JAVA_OPTS adds JVM options.
setlocal
set "APP_HOME=%~dp0.."
if defined JAVA_HOME (set "JAVA=%JAVA_HOME%\bin\java") else (set "JAVA=java")
"%JAVA%" %JAVA_OPTS% -cp "%APP_HOME%\lib\*" io.framewise.samples.cli.FramewiseCli %*
