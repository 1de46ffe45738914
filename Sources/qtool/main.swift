import QToolCommands

QTool.runMain()
