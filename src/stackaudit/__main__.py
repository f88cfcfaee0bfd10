from stackaudit.cli import main

main()
