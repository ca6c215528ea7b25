@echo off
rem Đăng ký các việc định kỳ của ntm-excel trong Task Scheduler của Windows (như jobs/crontab.txt).
rem Chạy một lần trong cmd, bằng tài khoản sẽ chạy các việc:  jobs\schtasks.cmd
rem Chạy lại để cập nhật (/F thay việc cũ). Các việc nằm trong thư mục NTM của Task Scheduler.
rem Giờ theo đồng hồ của máy: máy phải đặt múi giờ Việt Nam (UTC+07:00).
rem Việc theo ngày, theo tuần lặp lại mỗi 15 phút cho đến chiều: máy bật muộn vẫn gửi;
rem --if-due chỉ cho chạy vào ngày làm việc và một lần mỗi kỳ, các lần sau chỉ ghi «bỏ qua».
rem Mỗi việc gọi jobs\ntm-excel-job.cmd: thư mục làm việc và nhật ký đặt ở đó.
setlocal
set "JOB=%~dp0ntm-excel-job.cmd"
schtasks /Create /F /TN "NTM\daily-digest" /SC DAILY /ST 07:30 /RI 15 /DU 10:00 /TR "\"%JOB%\" daily-digest --if-due"
schtasks /Create /F /TN "NTM\weekly-summary" /SC DAILY /ST 08:00 /RI 15 /DU 09:30 /TR "\"%JOB%\" weekly-summary --if-due"
schtasks /Create /F /TN "NTM\unit-reminders" /SC DAILY /ST 08:00 /RI 15 /DU 09:30 /TR "\"%JOB%\" unit-reminders --if-due"
schtasks /Create /F /TN "NTM\monthly-review" /SC DAILY /ST 08:00 /RI 15 /DU 09:30 /TR "\"%JOB%\" monthly-review --if-due"
schtasks /Create /F /TN "NTM\collect" /SC MINUTE /MO 15 /TR "\"%JOB%\" collect"
schtasks /Create /F /TN "NTM\retry" /SC MINUTE /MO 15 /TR "\"%JOB%\" retry"
