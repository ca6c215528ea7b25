@echo off
rem Chạy một việc định kỳ của ntm-excel: Task Scheduler gọi tệp này (jobs\schtasks.cmd đăng ký).
rem Dùng tay cũng được, ví dụ:  jobs\ntm-excel-job.cmd collect
rem Thư mục làm việc: thư mục cài đặt (thư mục cha của jobs\), nơi có .venv; các đường dẫn out\,
rem var\ trong cấu hình tính từ đây. Mỗi lần chạy ghi thêm vào nhật ký var\log\jobs.log (UTF-8),
rem hoặc vào tệp ghi trong biến NTM_LOG.
rem Mật khẩu SMTP: đặt một lần cho tài khoản chạy việc, trong cmd:  setx NTM_SMTP_PASSWORD "..."
rem Nhận biểu qua thư ([mailbox]): thêm  setx NTM_IMAP_PASSWORD "..."
setlocal
cd /d "%~dp0.." || exit /b 2
if not defined NTM_LOG set "NTM_LOG=%CD%\var\log\jobs.log"
for %%F in ("%NTM_LOG%") do if not exist "%%~dpF" mkdir "%%~dpF"
echo ===== %DATE% %TIME% jobs once %* >> "%NTM_LOG%"
rem Chưa cài (không có .venv ở thư mục cài đặt): ghi một dòng vào nhật ký, mã thoát 2.
if exist ".venv\Scripts\ntm-excel.exe" goto run
echo Loi: khong thay .venv\Scripts\ntm-excel.exe o thu muc cai dat; hay cai ntm-excel theo README, muc Tren Windows. >> "%NTM_LOG%"
exit /b 2
:run
".venv\Scripts\ntm-excel.exe" jobs once %* >> "%NTM_LOG%" 2>&1
exit /b %ERRORLEVEL%
